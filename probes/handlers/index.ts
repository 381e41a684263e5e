// runHandler: one run of a probe or lifecycle handler against one container instance.
// Shared by the probe workers and the lifecycle hooks (postStart/preStop).
import type * as grpc from "@grpc/grpc-js";
import type { LifecycleHandler, ProbeHandler } from "../../agent/api/pod.ts";
import type { Runtime } from "../../cri/runtime.ts";
import { runExec } from "./exec.ts";
import { runGrpc } from "./grpc.ts";
import { DEFAULT_HTTP_BODY_LIMIT, type HttpRequestCache, runHttp } from "./http.ts";
import { type HandlerOutcome, outcome } from "./outcome.ts";
import { runSleep } from "./sleep.ts";
import { runTcp } from "./tcp.ts";
import type { HandlerTarget } from "./target.ts";

export type { HandlerOutcome, HandlerStatus } from "./outcome.ts";
export { HttpRequestCache } from "./http.ts";
export type { HandlerTarget } from "./target.ts";

/** Version in the User-Agent (`kube-probe/<v>`), the Kubernetes minor this agent follows. */
export const DEFAULT_KUBE_VERSION = "1.34";

export interface HandlerDeps {
  /** Needed for exec. */
  runtime?: Pick<Runtime, "execSync">;
  /** "probe" → User-Agent kube-probe/<v>; "lifecycle" → kube-lifecycle/<v>. Default "probe". */
  purpose?: "probe" | "lifecycle";
  kubeVersion?: string;
  /** HTTP response bytes read at most (default 10 KiB). */
  httpBodyLimit?: number;
  /** Reuse parsed httpGet URLs and formatted requests across runs. */
  httpCache?: HttpRequestCache;
  /** Reuse a gRPC channel per address (probe workers); without it each call makes and closes one. */
  grpcClient?: (address: string) => grpc.Client;
  /** Cuts the handler short (sleep, httpGet, tcpSocket, grpc; not exec): the outcome is a failure. */
  signal?: AbortSignal;
}

export function userAgent(deps: Pick<HandlerDeps, "purpose" | "kubeVersion">): string {
  return `kube-${deps.purpose ?? "probe"}/${deps.kubeVersion ?? DEFAULT_KUBE_VERSION}`;
}

/**
 * Runs the one action set on `handler`. Never rejects: problems become a "failure" outcome, or
 * "error" when the check could not be carried out at all (the kubelet discards such results).
 */
export async function runHandler(
  handler: ProbeHandler | LifecycleHandler,
  target: HandlerTarget,
  timeoutMs: number,
  deps: HandlerDeps = {},
): Promise<HandlerOutcome> {
  try {
    if (handler.exec)
      return await runExec(handler.exec, target.container, target.containerId, timeoutMs, deps.runtime);
    if (handler.httpGet) {
      return await runHttp(handler.httpGet, target, timeoutMs, {
        userAgent: userAgent(deps),
        bodyLimit: deps.httpBodyLimit ?? DEFAULT_HTTP_BODY_LIMIT,
        ...(deps.signal && { signal: deps.signal }),
        ...(deps.httpCache && { cache: deps.httpCache }),
      });
    }
    if (handler.tcpSocket) return await runTcp(handler.tcpSocket, target, timeoutMs, deps.signal);
    if ("grpc" in handler && handler.grpc) {
      return await runGrpc(handler.grpc, target, timeoutMs, userAgent(deps), deps.grpcClient, deps.signal);
    }
    if ("sleep" in handler && handler.sleep)
      return await runSleep(handler.sleep.seconds, timeoutMs, deps.signal);
    return outcome("error", "handler has no action");
  } catch (err) {
    return outcome("error", (err as Error).message);
  }
}
