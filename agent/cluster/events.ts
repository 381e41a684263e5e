// Cluster mode's EventRecorder: core/v1 Events written to the API server as the kubelet writes
// them (source and reportingComponent "kubelet", host/instance the node name), repeats folded
// into one Event's count and rate-limited per object (EventCorrelator). Callers never wait: events
// go to a bounded queue (the oldest is dropped when full) that one writer drains in order; a
// transient failure is retried a few times, then the event is dropped (best-effort, as upstream).
import type { CoreEvent, ObjectReference } from "../api/event.ts";
import type { Pod } from "../api/pod.ts";
import { containerFieldPath, type EventRecorder, type EventType } from "../events/recorder.ts";
import type { Logger } from "../log.ts";
import { toRFC3339 } from "../pod/status.ts";
import { type ApiClient, isApiError } from "./api-client.ts";
import { type CorrelatorOptions, EventCorrelator } from "./event-correlator.ts";

export const EVENT_COMPONENT = "kubelet";

export interface ApiEventRecorderOptions {
  client: Pick<ApiClient, "create" | "patch">;
  nodeName: string;
  log: Logger;
  correlator?: CorrelatorOptions;
  /** Events waiting to be written at most (upstream's broadcaster queue: 1000). */
  maxQueued?: number;
  /** Waits before each retry of a transient failure; its length is the number of retries. */
  retryDelaysMs?: number[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface EventRecorderStats {
  created: number;
  patched: number;
  /** Skipped by the per-object rate limit. */
  rateLimited: number;
  /** Dropped from a full queue (oldest first). */
  overflowed: number;
  /** Given up after the API refused them or retries ran out. */
  failed: number;
  queued: number;
}

interface Pending {
  event: CoreEvent;
}

export class ApiEventRecorder implements EventRecorder {
  readonly #o: ApiEventRecorderOptions;
  readonly #correlator: EventCorrelator;
  readonly #queue: Pending[] = [];
  readonly #maxQueued: number;
  readonly #retryDelays: number[];
  readonly #stats = { created: 0, patched: 0, rateLimited: 0, overflowed: 0, failed: 0 };
  #draining: Promise<void> | undefined;
  #stopped = false;
  #lastNanos = 0n;

  constructor(opts: ApiEventRecorderOptions) {
    this.#o = opts;
    this.#correlator = new EventCorrelator(opts.correlator);
    this.#maxQueued = opts.maxQueued ?? 1000;
    this.#retryDelays = opts.retryDelaysMs ?? [1000, 2000, 5000, 10_000];
  }

  event(pod: Pod, type: EventType, reason: string, message: string): void {
    this.#record(podReference(pod), type, reason, message);
  }

  containerEvent(pod: Pod, container: string, type: EventType, reason: string, message: string): void {
    this.#record(
      { ...podReference(pod), fieldPath: containerFieldPath(pod, container) },
      type,
      reason,
      message,
    );
  }

  nodeEvent(type: EventType, reason: string, message: string): void {
    // Upstream's node reference: no namespace, the node name as uid; the Event lives in "default".
    const name = this.#o.nodeName;
    this.#record({ kind: "Node", apiVersion: "v1", name, uid: name }, type, reason, message);
  }

  stats(): EventRecorderStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Resolves when everything queued so far was written or given up. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Stops accepting events; waits up to `timeoutMs` for the queue to drain. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.#stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#queue.length = 0;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #record(ref: ObjectReference, type: EventType, reason: string, message: string): void {
    const log = this.#o.log;
    const fields = {
      event: true,
      type,
      reason,
      object: `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`,
      ...(ref.fieldPath ? { fieldPath: ref.fieldPath } : {}),
    };
    if (type === "Warning") log.warn(fields, message);
    else log.info(fields, message);
    if (this.#stopped) return;
    if (this.#queue.length >= this.#maxQueued) {
      this.#queue.shift();
      this.#stats.overflowed++;
    }
    const nowMs = this.#now();
    const ts = toRFC3339(nowMs);
    this.#queue.push({
      event: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: this.#newName(ref.name, nowMs), namespace: ref.namespace || "default" },
        involvedObject: ref,
        reason,
        message,
        source: { component: EVENT_COMPONENT, host: this.#o.nodeName },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        type,
        reportingComponent: EVENT_COMPONENT,
        reportingInstance: this.#o.nodeName,
      },
    });
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Upstream names Events `<object>.<unix nanoseconds in hex>`; kept strictly increasing here. */
  #newName(objectName: string, nowMs: number): string {
    let nanos = BigInt(nowMs) * 1_000_000n;
    if (nanos <= this.#lastNanos) nanos = this.#lastNanos + 1n;
    this.#lastNanos = nanos;
    return `${objectName}.${nanos.toString(16)}`;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      const nowMs = this.#now();
      const c = this.#correlator.correlate(next.event, nowMs, () =>
        this.#newName(next.event.involvedObject.name, nowMs),
      );
      if (c.skip) {
        this.#stats.rateLimited++;
        continue;
      }
      const ok = await this.#write(c.event, c.patch);
      if (!ok) this.#correlator.forget(c.key);
    }
  }

  async #write(
    event: CoreEvent,
    patch: { count: number; lastTimestamp: string; message: string } | undefined,
  ): Promise<boolean> {
    const ns = event.metadata.namespace ?? "default";
    const base = `/api/v1/namespaces/${encodeURIComponent(ns)}/events`;
    for (let attempt = 0; ; attempt++) {
      try {
        if (patch) {
          try {
            await this.#o.client.patch(
              `${base}/${encodeURIComponent(event.metadata.name ?? "")}`,
              patch,
              "strategic",
            );
            this.#stats.patched++;
            return true;
          } catch (err) {
            // The Event expired (event TTL) or its create was lost: write it anew, as upstream.
            if (!isApiError(err, 404)) throw err;
            patch = undefined;
          }
        }
        await this.#o.client.create(base, event);
        this.#stats.created++;
        return true;
      } catch (err) {
        const transient = !isApiError(err) || err.transient;
        const delay = this.#retryDelays[attempt];
        if (!transient || delay === undefined || this.#stopped) {
          this.#stats.failed++;
          this.#o.log.warn(
            { err, reason: event.reason, object: event.involvedObject.name, namespace: ns },
            `event not written${transient ? " (retries exhausted)" : ""}: ${(err as Error).message}`,
          );
          return false;
        }
        await (this.#o.sleep ?? defaultSleep)(delay);
      }
    }
  }
}

/** The reference to a pod that the kubelet puts in its Events. */
export function podReference(pod: Pod): ObjectReference {
  return {
    kind: "Pod",
    apiVersion: "v1",
    namespace: pod.metadata.namespace ?? "default",
    name: pod.metadata.name ?? "",
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}),
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
