// Writes pod statuses to the API: the latest status of each pod, patched to its `status`
// subresource only when it differs from what the API holds, retried until it lands (an API outage
// delays writes, never loses the last one). A pod deleted in the API whose containers have all
// stopped gets its final status, then its API object is removed (grace 0, UID precondition).
import type { Pod, PodStatus } from "../api/pod.ts";
import type { PodStatusUpdate } from "../kubelet.ts";
import type { Logger } from "../log.ts";
import type { ApiClient } from "./api-client.ts";
import { isApiError } from "./api-client.ts";
import { ownedStatusKey, podStatusPatch } from "./status-patch.ts";

/** The API object a pod's status goes to (the mirror pod for a static pod) as last seen by the watch. */
export interface StatusTarget {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatus | undefined;
}

export interface StatusWriterOptions {
  client: ApiClient;
  log: Logger;
  /** undefined while the target does not exist (yet): the write waits for it. */
  target(pod: Pod): StatusTarget | undefined;
  /** Concurrent writes (pod startup latency of many pods at once depends on it). */
  concurrency?: number;
  retryMs?: { initial: number; max: number };
}

interface Pending {
  pod: Pod;
  status: PodStatus;
  terminal: boolean;
  attempts: number;
  notBefore: number;
}

export class PodStatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #pending = new Map<string, Pending>();
  /** The latest status of every pod, written or not: compared again when the API object changes. */
  readonly #latest = new Map<string, { pod: Pod; status: PodStatus; terminal: boolean }>();
  /** What was last written per pod (canonical form), so an unchanged status is not sent again. */
  readonly #written = new Map<string, string>();
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly stats = { patches: 0, deletes: 0, failures: 0 };

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  /** Kubelet status callback. */
  update(u: PodStatusUpdate): void {
    if (!u.pod || !u.status) {
      this.#pending.delete(u.uid);
      this.#written.delete(u.uid);
      this.#latest.delete(u.uid);
      return;
    }
    this.#latest.set(u.uid, { pod: u.pod, status: u.status, terminal: u.terminal === true });
    const prev = this.#pending.get(u.uid);
    this.#pending.set(u.uid, {
      pod: u.pod,
      status: u.status,
      terminal: u.terminal === true,
      attempts: prev?.attempts ?? 0,
      notBefore: prev?.notBefore ?? 0,
    });
    this.#pump();
  }

  /**
   * The API object of a pod changed (or all of them, after a re-list): a write waiting for it (a
   * mirror pod appeared, the API answers again) goes now; where it no longer holds the latest status
   * (someone overwrote it, a mirror pod was recreated), the status is written again.
   */
  recheck(namespace?: string, name?: string): void {
    for (const [uid, l] of this.#latest) {
      const m = l.pod.metadata;
      if (name !== undefined && (m.name !== name || (m.namespace ?? "default") !== namespace)) continue;
      const waiting = this.#pending.get(uid);
      if (waiting) {
        waiting.notBefore = 0;
        continue;
      }
      const target = this.#o.target(l.pod);
      if (!target || ownedStatusKey(target.status) === ownedStatusKey(l.status)) continue;
      this.#written.delete(uid);
      this.#pending.set(uid, { ...l, attempts: 0, notBefore: 0 });
    }
    this.#pump();
  }

  /** Pods whose latest status has not reached the API yet. */
  get backlog(): number {
    return this.#pending.size;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #pump(): void {
    if (this.#stopped) return;
    const max = this.#o.concurrency ?? 8;
    const now = Date.now();
    let nextAt = Number.POSITIVE_INFINITY;
    for (const [uid, p] of this.#pending) {
      if (this.#inFlight.size >= max) break;
      if (this.#inFlight.has(uid)) continue;
      if (p.notBefore > now) {
        nextAt = Math.min(nextAt, p.notBefore);
        continue;
      }
      this.#inFlight.add(uid);
      void this.#write(uid, p).finally(() => {
        this.#inFlight.delete(uid);
        this.#pump();
      });
    }
    if (nextAt !== Number.POSITIVE_INFINITY) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#pump(), Math.max(10, nextAt - now));
      this.#timer.unref();
    }
  }

  async #write(uid: string, p: Pending): Promise<void> {
    const target = this.#o.target(p.pod);
    const done = () => {
      if (this.#pending.get(uid) === p) this.#pending.delete(uid);
    };
    if (!target) {
      this.#retryLater(p, "its API object (mirror pod) does not exist yet", false);
      return;
    }
    // Keyed by the target's uid too: a recreated mirror pod starts with an empty status.
    const key = `${target.uid}|${ownedStatusKey(p.status)}`;
    try {
      const patch =
        this.#written.get(uid) === key && !p.terminal
          ? undefined
          : podStatusPatch(target.uid, target.status, p.status);
      if (patch) {
        await this.#o.client.patch(
          `/api/v1/namespaces/${target.namespace}/pods/${target.name}/status`,
          patch,
          "merge",
        );
        this.stats.patches++;
      }
      this.#written.set(uid, key);
      if (p.terminal) await this.#deleteObject(target);
      done();
    } catch (err) {
      if (isApiError(err, 404)) {
        this.#o.log.info(
          { pod: `${target.namespace}/${target.name}` },
          "pod no longer in the API: status dropped",
        );
        done();
        return;
      }
      if (isApiError(err) && !err.transient && err.status !== 409) {
        this.#o.log.error(
          { pod: `${target.namespace}/${target.name}`, err: err.message },
          `status of pod ${target.namespace}/${target.name} refused: ${err.message}`,
        );
        done();
        return;
      }
      this.stats.failures++;
      this.#retryLater(p, (err as Error).message, true);
    }
  }

  async #deleteObject(target: StatusTarget): Promise<void> {
    try {
      await this.#o.client.delete(`/api/v1/namespaces/${target.namespace}/pods/${target.name}`, {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid: target.uid },
      });
      this.stats.deletes++;
      this.#o.log.info({ pod: `${target.namespace}/${target.name}` }, "pod terminated: API object removed");
    } catch (err) {
      // Gone already, or a new pod of that name (precondition failed): nothing of ours to remove.
      if (isApiError(err, 404) || isApiError(err, 409)) return;
      throw err;
    }
  }

  #retryLater(p: Pending, why: string, warn: boolean): void {
    p.attempts++;
    const { initial, max } = this.#o.retryMs ?? { initial: 500, max: 10_000 };
    const delay = Math.min(max, initial * 2 ** Math.min(p.attempts - 1, 10));
    p.notBefore = Date.now() + delay;
    const pod = `${p.pod.metadata.namespace}/${p.pod.metadata.name}`;
    if (warn && (p.attempts === 1 || p.attempts % 10 === 0)) {
      this.#o.log.warn(
        { pod, attempts: p.attempts, retryInMs: delay },
        `status write for ${pod} failed: ${why}; retrying`,
      );
    }
  }
}
