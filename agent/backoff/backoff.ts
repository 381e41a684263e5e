// Per-key exponential back-off (CrashLoopBackOff, ImagePullBackOff), the upstream client-go
// flowcontrol.Backoff as the kubelet uses it, with time passed in (milliseconds).
//
// Kubelet usage: when a container has exited and should restart, take the exit time (finishedAt)
// as `eventTime`; if isInBackoffSince(key, eventTime, now) the restart waits (CrashLoopBackOff);
// otherwise restart now and call next(key, now). So the first restart is immediate, then waits
// 10 s, 20 s, 40 s … up to max.
//
// Reset rule (upstream hasExpired): an entry counts as stale — and starts over at `initial` —
// when the event is more than 2 × max after the entry's last update. With the default max of
// 300 s that is the "10 minutes of clean running" of the docs.

export interface BackoffOptions {
  /** First delay, ms (kubelet default 10 s). */
  initialMs?: number;
  /** Cap, ms (kubelet default 300 s; upstream allows 1 s–300 s). */
  maxMs?: number;
}

interface Entry {
  backoffMs: number;
  lastUpdateMs: number;
}

export const DEFAULT_INITIAL_MS = 10_000;
export const DEFAULT_MAX_MS = 300_000;

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_INITIAL_MS;
    this.maxMs = options.maxMs ?? DEFAULT_MAX_MS;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new Error(`invalid backoff: initial ${this.initialMs} ms, max ${this.maxMs} ms`);
    }
  }

  private expired(eventTimeMs: number, entry: Entry): boolean {
    return eventTimeMs - entry.lastUpdateMs > 2 * this.maxMs;
  }

  /**
   * Records one more back-off step for key; returns the new delay. Like upstream Next(id,
   * eventTime): staleness is judged from eventTimeMs, and the entry's last update is set to nowMs
   * (defaults to eventTimeMs).
   */
  next(key: string, eventTimeMs: number, nowMs: number = eventTimeMs): number {
    const entry = this.entries.get(key);
    let backoffMs: number;
    if (!entry || this.expired(eventTimeMs, entry)) backoffMs = this.initialMs;
    else backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdateMs: nowMs });
    return backoffMs;
  }

  /** The current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /**
   * True while `now` is within the current delay counted from `eventTimeMs` (e.g. the container's
   * finishedAt). An unknown or stale key is never in back-off.
   */
  isInBackoffSince(key: string, eventTimeMs: number, nowMs: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTimeMs, entry)) return false;
    return nowMs - eventTimeMs < entry.backoffMs;
  }

  /**
   * True while eventTime is within the current delay counted from the last update (next()).
   * This is the image-pull check (upstream puller: IsInBackOffSinceUpdate(key, now)); note that
   * isInBackoffSince(key, now, now) would be true for as long as the entry lives.
   */
  isInBackoffSinceUpdate(key: string, eventTimeMs: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTimeMs, entry)) return false;
    return eventTimeMs - entry.lastUpdateMs < entry.backoffMs;
  }

  /** When the back-off that began at eventTime ends (ms), or undefined if not in back-off. */
  retryAt(key: string, eventTimeMs: number, nowMs: number): number | undefined {
    if (!this.isInBackoffSince(key, eventTimeMs, nowMs)) return undefined;
    return eventTimeMs + this.entries.get(key)!.backoffMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops entries not updated for more than 2 × max. */
  gc(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (nowMs - entry.lastUpdateMs > 2 * this.maxMs) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The kubelet's key for a container's back-off: changes when the container spec (hash) changes. */
export function containerBackoffKey(
  pod: { name: string; namespace: string; uid: string },
  containerName: string,
  specHash: string,
): string {
  return `${pod.name}_${pod.namespace}_${pod.uid}_${containerName}_${specHash}`;
}
