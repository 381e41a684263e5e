// Waiting inside the heartbeat loops: cut short by stop(), and spread a little as upstream's
// wait.JitterUntil does so that many nodes do not beat in step.
import { setTimeout as sleep } from "node:timers/promises";

/** The longest delay one timer takes (2^31-1 ms, ~24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after ms by the wall clock (any length), or at once when the signal aborts (never rejects). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0 && !signal.aborted; left = end - Date.now()) {
    try {
      await sleep(Math.min(left, MAX_TIMER_MS), undefined, { signal });
    } catch {
      // aborted
    }
  }
}

/** Upstream JitterUntil: period + up to factor × period at random. */
export function jittered(periodMs: number, factor = 0.04, random: () => number = Math.random): number {
  return periodMs + random() * factor * periodMs;
}

/** Exponential back-off: next(), reset(). */
export class RetryDelay {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #nextMs: number;
  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#nextMs = initialMs;
  }
  next(): number {
    const d = this.#nextMs;
    this.#nextMs = Math.min(this.#nextMs * 2, this.#maxMs);
    return d;
  }
  reset(): void {
    this.#nextMs = this.#initialMs;
  }
}
