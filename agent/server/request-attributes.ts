// What a request to the kubelet API asks for, in the terms of the API server's authorizer: the
// kubelet's attribute mapping (verb from the HTTP method, resource `nodes`, name = this node,
// subresource by path). Paths with a fine-grained subresource (/pods, /healthz, ...) also carry
// `proxy`: being allowed either one is enough, so RBAC roles written before the split keep working.

export interface NodeRequestAttributes {
  verb: string;
  resource: "nodes";
  subresource: string;
  name: string;
  apiVersion: "v1";
  path: string;
}

const VERBS: Record<string, string> = {
  GET: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** `path` is `prefix` or below it (`/stats` and `/stats/summary`, not `/statsfoo`). */
export function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return path === p || (path.startsWith(p) && path[p.length] === "/");
}

/** Subresources that replace `proxy`: the data they give is all the path can give. */
const ONLY: readonly [string, string][] = [
  ["/stats", "stats"],
  ["/metrics", "metrics"],
  ["/logs", "log"],
  ["/checkpoint", "checkpoint"],
];

/** Subresources tried before `proxy` (the kubelet's fine-grained authorization). */
const BEFORE_PROXY: readonly [string, string][] = [
  ["/pods", "pods"],
  ["/runningpods", "pods"],
  ["/healthz", "healthz"],
  ["/configz", "configz"],
];

/** The attributes to authorize, in order; the request is allowed when any one of them is. */
export function nodeRequestAttributes(
  method: string,
  path: string,
  nodeName: string,
): NodeRequestAttributes[] {
  const base = {
    verb: VERBS[method] ?? "",
    resource: "nodes" as const,
    name: nodeName,
    apiVersion: "v1" as const,
    path,
  };
  for (const [prefix, subresource] of ONLY) {
    if (isSubpath(path, prefix)) return [{ ...base, subresource }];
  }
  for (const [prefix, subresource] of BEFORE_PROXY) {
    if (isSubpath(path, prefix))
      return [
        { ...base, subresource },
        { ...base, subresource: "proxy" },
      ];
  }
  return [{ ...base, subresource: "proxy" }];
}

/** The 403 body: who was refused what (every subresource tried). */
export function forbiddenMessage(user: string, attrs: readonly NodeRequestAttributes[]): string {
  const first = attrs[0];
  const subresources = attrs.map((a) => a.subresource).join(" ");
  return `Forbidden (user=${user}, verb=${first?.verb ?? ""}, resource=${first?.resource ?? "nodes"}, subresource(s)=[${subresources}])\n`;
}
