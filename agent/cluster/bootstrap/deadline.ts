// One deadline and one caller's signal for a long wait, and the retry pause between attempts.
import { pause } from "../node/pause.ts";

export class DeadlineError extends Error {}

export interface Deadline {
  /** Aborts when the caller aborts or the time is up. */
  signal: AbortSignal;
  remainingMs(): number;
  /** Throws the caller's abort reason, or a DeadlineError built by onExpired, when either happened. */
  check(): void;
  /** Waits ms (cut short by the deadline), then check(). */
  pause(ms: number): Promise<void>;
}

export function deadlineAfter(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onExpired: () => string,
): Deadline {
  const end = Date.now() + timeoutMs;
  const timeout = AbortSignal.timeout(Math.max(0, timeoutMs));
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const check = () => {
    signal?.throwIfAborted();
    if (timeout.aborted || Date.now() >= end) throw new DeadlineError(onExpired());
  };
  return {
    signal: combined,
    remainingMs: () => Math.max(0, end - Date.now()),
    check,
    async pause(ms) {
      await pause(Math.min(ms, end - Date.now()), combined);
      check();
    },
  };
}
