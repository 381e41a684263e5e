// Which handler a kubelet API request goes to. The cAdvisor/stats family (all but /metrics/resource)
// and the kubelet's own CRI streaming server (/cri) are known paths nodelet does not serve: they get
// a 501 saying so, not a 404.
import { isSubpath } from "./request-attributes.ts";
import { type StreamingKind, streamingKind } from "./streaming-request.ts";

export type KubeletRoute =
  | { kind: "healthz" }
  | { kind: "pods" }
  | { kind: "runningpods" }
  | { kind: "metrics" }
  | { kind: "metricsProbes" }
  | { kind: "metricsResource" }
  | { kind: "containerLogs" }
  | { kind: "streaming"; stream: StreamingKind }
  | { kind: "notImplemented"; message: string }
  | { kind: "methodNotAllowed" }
  | { kind: "notFound" };

const UNSERVED: readonly [string, string][] = [
  ["/cri", "CRI streaming (the runtime's streaming server is proxied by /exec, /attach, /portForward)"],
  ["/stats", "stats (the summary API)"],
  ["/metrics/cadvisor", "cAdvisor metrics"],
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
  "/metrics/resource": { kind: "metricsResource" },
};

export function kubeletRoute(method: string, path: string): KubeletRoute {
  const stream = streamingKind(path);
  if (stream) {
    // The kubelet registers /run for POST only; the sessions for GET (WebSocket) and POST (SPDY).
    const allowed = stream === "run" ? method === "POST" : method === "GET" || method === "POST";
    return allowed ? { kind: "streaming", stream } : { kind: "methodNotAllowed" };
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
