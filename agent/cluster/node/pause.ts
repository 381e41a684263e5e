// Waiting inside the heartbeat loops: cut short by stop(), and spread a little as upstream's
// wait.JitterUntil does so that many nodes do not beat in step.
import { setTimeout as sleep } from "node:timers/promises";

/** Resolves after ms, or at once when the signal aborts (never rejects). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted
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
