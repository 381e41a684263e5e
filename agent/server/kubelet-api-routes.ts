// Which handler a kubelet API request goes to. Streaming (exec, attach, port-forward, run) and the
// cAdvisor/stats family are known paths nodelet does not serve: they get a 501 saying so, not a 404.
import { isSubpath } from "./request-attributes.ts";

export type KubeletRoute =
  | { kind: "healthz" }
  | { kind: "pods" }
  | { kind: "runningpods" }
  | { kind: "metrics" }
  | { kind: "metricsProbes" }
  | { kind: "containerLogs" }
  | { kind: "notImplemented"; message: string }
  | { kind: "methodNotAllowed" }
  | { kind: "notFound" };

const STREAMING: readonly [string, string][] = [
  ["/exec", "exec"],
  ["/attach", "attach"],
  ["/portForward", "port-forward"],
  ["/run", "run"],
  ["/cri", "CRI streaming"],
];

const UNSERVED: readonly [string, string][] = [
  ["/stats", "stats (the summary API)"],
  ["/metrics/cadvisor", "cAdvisor metrics"],
  ["/metrics/resource", "resource metrics"],
  ["/spec", "machine spec"],
  ["/logs", "node log files"],
  ["/configz", "configz"],
  ["/checkpoint", "container checkpoints"],
  ["/debug", "debug handlers"],
];

const GET_ONLY: Record<string, KubeletRoute> = {
  "/healthz": { kind: "healthz" },
  "/pods": { kind: "pods" },
  "/runningpods": { kind: "runningpods" },
  "/metrics": { kind: "metrics" },
  "/metrics/probes": { kind: "metricsProbes" },
};

export function kubeletRoute(method: string, path: string): KubeletRoute {
  for (const [prefix, what] of STREAMING) {
    if (isSubpath(path, prefix))
      return {
        kind: "notImplemented",
        message: `nodelet does not implement ${what}: it needs SPDY/WebSocket streaming, which its kubelet API does not serve`,
      };
  }
  const fixed = GET_ONLY[path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path];
  const route = fixed ?? (isSubpath(path, "/containerLogs") ? { kind: "containerLogs" as const } : undefined);
  if (route) return method === "GET" || method === "HEAD" ? route : { kind: "methodNotAllowed" };
  for (const [prefix, what] of UNSERVED) {
    if (isSubpath(path, prefix))
      return { kind: "notImplemented", message: `nodelet does not implement ${what}` };
  }
  return { kind: "notFound" };
}
