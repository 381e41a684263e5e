// client-go's EventCorrelator (tools/record/events_cache.go), decisions only:
// 1. aggregation: more than 10 events within 10 min that differ only by message (same source,
//    object, type, reason) are folded into one "(combined from similar events): ..." event;
// 2. deduplication: an event identical to one already written (same object incl. fieldPath,
//    type, reason, message) becomes a patch of that Event: count+1, lastTimestamp, message;
// 3. spam filter: per source+object token bucket, burst 25, one more token every 5 minutes.
// As upstream, the filter runs after deduplication, so the count of a later patch includes the
// occurrences that were filtered out.
import type { CoreEvent } from "../api/event.ts";
import { LruMap } from "./lru.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface CorrelatorOptions {
  /** Entries per cache (upstream maxLruCacheEntries 4096). */
  cacheSize?: number;
  /** Events one source may write about one object at once (upstream 25). */
  burst?: number;
  /** Refill rate in events per second (upstream 1/300). */
  qps?: number;
  /** Distinct messages of one reason before they are combined (upstream 10). */
  aggregateMaxEvents?: number;
  aggregateIntervalMs?: number;
}

export interface EventPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

export type Correlated = { skip: true } | { skip: false; event: CoreEvent; key: string; patch?: EventPatch };

interface AggregateRecord {
  messages: Set<string>;
  lastMs: number;
}

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
}

export const COMBINED_PREFIX = "(combined from similar events): ";

export class EventCorrelator {
  readonly #opts: Required<CorrelatorOptions>;
  readonly #aggregates: LruMap<string, AggregateRecord>;
  readonly #observed: LruMap<string, Observation>;
  readonly #buckets: LruMap<string, TokenBucket>;

  constructor(opts: CorrelatorOptions = {}) {
    this.#opts = {
      cacheSize: opts.cacheSize ?? 4096,
      burst: opts.burst ?? 25,
      qps: opts.qps ?? 1 / 300,
      aggregateMaxEvents: opts.aggregateMaxEvents ?? 10,
      aggregateIntervalMs: opts.aggregateIntervalMs ?? 600_000,
    };
    this.#aggregates = new LruMap(this.#opts.cacheSize);
    this.#observed = new LruMap(this.#opts.cacheSize);
    this.#buckets = new LruMap(this.#opts.cacheSize);
  }

  /** Decides what to write for a freshly made event (count 1, first = last = now). */
  correlate(fresh: CoreEvent, nowMs: number, newName: () => string): Correlated {
    const { event: aggregated, key } = this.#aggregate(fresh, nowMs, newName);
    const { event, patch } = this.#observe(aggregated, key);
    if (!this.#accept(event, nowMs)) return { skip: true };
    return patch ? { skip: false, event, key, patch } : { skip: false, event, key };
  }

  /** The Event under `key` was not written after all (create failed): the next one creates anew. */
  forget(key: string): void {
    const o = this.#observed.get(key);
    if (o) this.#observed.set(key, { ...o, count: 0 });
  }

  #aggregate(ev: CoreEvent, nowMs: number, newName: () => string): { event: CoreEvent; key: string } {
    const aggregateKey = join(
      sourceAndObject(ev),
      ev.type,
      ev.reason,
      ev.reportingComponent,
      ev.reportingInstance,
    );
    let record = this.#aggregates.get(aggregateKey);
    if (!record || nowMs - record.lastMs > this.#opts.aggregateIntervalMs) {
      record = { messages: new Set(), lastMs: nowMs };
    }
    record.messages.add(ev.message);
    record.lastMs = nowMs;
    this.#aggregates.set(aggregateKey, record);
    if (record.messages.size < this.#opts.aggregateMaxEvents) return { event: ev, key: eventKey(ev) };
    // Keep the set at its bound (upstream PopAny).
    const first = record.messages.values().next().value;
    if (first !== undefined) record.messages.delete(first);
    const combined: CoreEvent = {
      ...ev,
      metadata: { name: newName(), namespace: ev.metadata.namespace },
      message: COMBINED_PREFIX + ev.message,
      count: 1,
      firstTimestamp: ev.lastTimestamp,
    };
    return { event: combined, key: aggregateKey };
  }

  #observe(ev: CoreEvent, key: string): { event: CoreEvent; patch?: EventPatch } {
    const last = this.#observed.get(key);
    let event = ev;
    let patch: EventPatch | undefined;
    if (last && last.count > 0) {
      event = {
        ...ev,
        metadata: { ...ev.metadata, name: last.name },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
      patch = { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message };
    }
    this.#observed.set(key, {
      count: event.count,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name ?? "",
    });
    return patch ? { event, patch } : { event };
  }

  #accept(ev: CoreEvent, nowMs: number): boolean {
    const key = sourceAndObject(ev);
    let bucket = this.#buckets.get(key);
    if (!bucket) bucket = new TokenBucket(this.#opts.burst, this.#opts.qps, nowMs);
    const ok = bucket.tryAccept(nowMs);
    this.#buckets.set(key, bucket);
    return ok;
  }
}

function join(...parts: (string | undefined)[]): string {
  return parts.map((p) => p ?? "").join("\u0000");
}

function sourceAndObject(ev: CoreEvent): string {
  const o = ev.involvedObject;
  return join(ev.source.component, ev.source.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion);
}

function eventKey(ev: CoreEvent): string {
  return join(sourceAndObject(ev), ev.involvedObject.fieldPath, ev.type, ev.reason, ev.message);
}
