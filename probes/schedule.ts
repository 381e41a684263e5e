// When a probe worker probes: pure arithmetic on a tick grid, like the kubelet's ticker.
// The grid starts at a random offset within one period after the worker starts (so many
// containers started together do not probe in lockstep) and repeats every period. Ticks before
// startedAt + initialDelaySeconds are skipped.

/** Grid start: `addedAtMs` plus a random offset in [0, period). */
export function gridPhase(addedAtMs: number, periodMs: number, random01: number): number {
  const r = Math.min(Math.max(random01, 0), 1);
  return addedAtMs + Math.min(Math.floor(r * periodMs), Math.max(periodMs - 1, 0));
}

/** The first grid point at or after `t`. */
export function gridPointAtOrAfter(phase: number, periodMs: number, t: number): number {
  if (t <= phase) return phase;
  return phase + Math.ceil((t - phase) / periodMs) * periodMs;
}

/** The first grid point strictly after `t`. */
export function gridPointAfter(phase: number, periodMs: number, t: number): number {
  if (t < phase) return phase;
  return phase + (Math.floor((t - phase) / periodMs) + 1) * periodMs;
}

/** The earliest time a probe may run: container start + initialDelaySeconds. */
export function earliestProbeAt(startedAtMs: number, initialDelaySeconds: number): number {
  return startedAtMs + initialDelaySeconds * 1000;
}

/**
 * When to probe next after a probe that began at `probeStartedAt` finished at `now`: the next grid
 * point after its start, or right away if that point already passed while it ran (a Go ticker
 * keeps one missed tick; further missed ticks are dropped).
 */
export function nextProbeAt(phase: number, periodMs: number, probeStartedAt: number, now: number): number {
  const next = gridPointAfter(phase, periodMs, probeStartedAt);
  return Math.max(next, now);
}
