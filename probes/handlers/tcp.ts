// tcpSocket: success when a TCP connection is established within the timeout.
import net from "node:net";
import type { TCPSocketAction } from "../../agent/api/pod.ts";
import { describeNetError, type HandlerOutcome, outcome } from "./outcome.ts";
import { type HandlerTarget, joinHostPort, resolveHost, resolvePort } from "./target.ts";

export function runTcp(
  action: TCPSocketAction,
  target: HandlerTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HandlerOutcome> {
  let host: string;
  let port: number;
  try {
    port = resolvePort(action.port, target.container);
    host = resolveHost(action.host, target);
  } catch (err) {
    return Promise.resolve(outcome("error", (err as Error).message));
  }
  const addr = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => finish(outcome("failure", `dial tcp ${addr}: i/o timeout`)), timeoutMs);
    const onAbort = () => finish(outcome("failure", `dial tcp ${addr}: operation was canceled`));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    function finish(o: HandlerOutcome) {
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    }
    socket.once("connect", () => finish(outcome("success", "")));
    socket.once("error", (err) => finish(outcome("failure", describeNetError(err, "dial tcp", addr))));
  });
}
