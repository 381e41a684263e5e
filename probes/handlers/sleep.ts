// sleep (lifecycle hooks only): wait the given seconds, cut short by the hook's deadline or an abort.
import { type HandlerOutcome, outcome } from "./outcome.ts";

export function runSleep(seconds: number, timeoutMs: number, signal?: AbortSignal): Promise<HandlerOutcome> {
  const wantMs = Math.max(0, seconds) * 1000;
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(outcome("failure", "sleep hook aborted"));
    const cut = timeoutMs < wantMs;
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(
          cut
            ? outcome("failure", "container terminated before sleep hook finished")
            : outcome("success", ""),
        );
      },
      Math.min(wantMs, timeoutMs),
    );
    function onAbort() {
      clearTimeout(timer);
      resolve(outcome("failure", "sleep hook aborted"));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
