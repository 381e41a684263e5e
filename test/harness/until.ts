// Polls until a condition holds: the tests' one way to wait for something eventually true (a pod
// Running, a Node Ready). fn returning undefined or false, or throwing, means "not yet"; on timeout
// the error names what was awaited, the last error seen and, when given, some context (a log tail).
import { setTimeout as sleep } from "node:timers/promises";

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last ? ` (${(last as Error).message})` : "";
      throw new Error(`${what}: not in time${why}${context ? `\n${context()}` : ""}`);
    }
    await sleep(200);
  }
}
