// A size-bounded cache whose entries expire: authentication and authorization answers are reused
// for a short while instead of asking the API server on every request.
import { LruMap } from "../cluster/lru.ts";

export class TtlCache<V> {
  readonly #entries: LruMap<string, { value: V; expiresAt: number }>;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#entries = new LruMap(maxEntries);
    this.#now = now;
  }

  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined || e.expiresAt <= this.#now()) return undefined;
    return e.value;
  }

  /** ttlMs <= 0 stores nothing. */
  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }
}
