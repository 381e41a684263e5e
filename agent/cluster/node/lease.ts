// The node heartbeat Lease kube-node-lease/<node> (upstream component-helpers lease controller):
// renewed every leaseDuration/4 with a PUT carrying the last resourceVersion; a conflict or a
// vanished Lease means re-read (or re-create) and try again; a failed renewal retries after
// 200 ms doubling to 7 s, forever.
import type { Lease } from "../../api/lease.ts";
import type { OwnerReference } from "../../api/meta.ts";
import type { Logger } from "../../log.ts";
import { type ApiClient, isApiError } from "../api-client.ts";
import { jittered, pause, RetryDelay } from "./pause.ts";

export const LEASE_NAMESPACE = "kube-node-lease";
export const DEFAULT_LEASE_DURATION_SECONDS = 40;
/** Upstream NodeLeaseRenewIntervalFraction. */
export const RENEW_INTERVAL_FRACTION = 0.25;
/** Upstream maxUpdateRetries within one renewal. */
const MAX_UPDATE_ATTEMPTS = 5;
export const RETRY_INITIAL_MS = 200;
export const RETRY_MAX_MS = 7_000;

export function renewIntervalMs(leaseDurationSeconds: number): number {
  return leaseDurationSeconds * 1000 * RENEW_INTERVAL_FRACTION;
}

/** metav1.MicroTime: "2006-01-02T15:04:05.000000Z" (the clock gives milliseconds). */
export function microTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

export function leasePath(nodeName: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${encodeURIComponent(nodeName)}`;
}

export interface NodeOwner {
  name: string;
  uid: string;
}

/** The Lease to write: `base` (as last read) renewed at nowMs, owned by the Node when it is known. */
export function renewedLease(
  base: Lease | undefined,
  nodeName: string,
  leaseDurationSeconds: number,
  nowMs: number,
  owner: NodeOwner | undefined,
): Lease {
  const metadata = { ...(base?.metadata ?? { name: nodeName, namespace: LEASE_NAMESPACE }) };
  if (owner && !metadata.ownerReferences?.some((r) => r.kind === "Node" && r.uid === owner.uid)) {
    const others = (metadata.ownerReferences ?? []).filter((r) => r.kind !== "Node" || r.name !== owner.name);
    const ref: OwnerReference = { apiVersion: "v1", kind: "Node", name: owner.name, uid: owner.uid };
    metadata.ownerReferences = [...others, ref];
  }
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata,
    spec: {
      ...base?.spec,
      holderIdentity: nodeName,
      leaseDurationSeconds,
      renewTime: microTime(nowMs),
    },
  };
}

export interface NodeLeaseOptions {
  client: ApiClient;
  nodeName: string;
  leaseDurationSeconds?: number;
  /** Default leaseDuration/4 (10 s). */
  renewIntervalMs?: number;
  /** The registered Node, for the Lease's ownerReference (undefined until known). */
  owner: () => NodeOwner | undefined;
  log: Logger;
}

export class NodeLease {
  readonly #o: NodeLeaseOptions;
  readonly #durationSeconds: number;
  readonly #intervalMs: number;
  readonly #abort = new AbortController();
  #lease: Lease | undefined;
  #loop: Promise<void> | undefined;
  #lastRenewMs: number | undefined;

  constructor(options: NodeLeaseOptions) {
    this.#o = options;
    this.#durationSeconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    this.#intervalMs = options.renewIntervalMs ?? renewIntervalMs(this.#durationSeconds);
  }

  get renewIntervalMs(): number {
    return this.#intervalMs;
  }

  /** Wall-clock ms of the last successful renewal. */
  get lastRenewMs(): number | undefined {
    return this.#lastRenewMs;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const retry = new RetryDelay(RETRY_INITIAL_MS, RETRY_MAX_MS);
    let failures = 0;
    while (!signal.aborted) {
      let delay: number;
      try {
        await this.renew();
        if (failures > 0) this.#o.log.info({ failures }, "node lease renewed again");
        failures = 0;
        retry.reset();
        delay = jittered(this.#intervalMs);
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        delay = retry.next();
        this.#o.log.warn({ err: (err as Error).message, retryInMs: delay }, "failed to renew the node lease");
      }
      await pause(delay, signal);
    }
  }

  /** One renewal: PUT from the cached Lease; re-read or create it on conflict / absence. */
  async renew(): Promise<void> {
    const path = leasePath(this.#o.nodeName);
    let lastErr: unknown;
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      if (!this.#lease) {
        const created = await this.#getOrCreate(path);
        if (created) return;
      }
      const now = Date.now();
      const body = renewedLease(this.#lease, this.#o.nodeName, this.#durationSeconds, now, this.#o.owner());
      try {
        this.#lease = await this.#o.client.request<Lease>("PUT", path, { body, signal: this.#abort.signal });
        this.#lastRenewMs = now;
        return;
      } catch (err) {
        lastErr = err;
        if (isApiError(err) && (err.conflict || err.notFound)) {
          this.#lease = undefined;
          continue;
        }
        throw err;
      }
    }
    throw lastErr;
  }

  /** Reads the Lease into the cache; creates it (renewed now) when missing and returns true then. */
  async #getOrCreate(path: string): Promise<boolean> {
    const signal = this.#abort.signal;
    try {
      this.#lease = await this.#o.client.request<Lease>("GET", path, { signal });
      return false;
    } catch (err) {
      if (!isApiError(err) || !err.notFound) throw err;
    }
    const now = Date.now();
    const body = renewedLease(undefined, this.#o.nodeName, this.#durationSeconds, now, this.#o.owner());
    const collection = path.slice(0, path.lastIndexOf("/"));
    try {
      this.#lease = await this.#o.client.request<Lease>("POST", collection, { body, signal });
      this.#lastRenewMs = now;
      return true;
    } catch (err) {
      if (isApiError(err) && err.conflict) {
        this.#lease = await this.#o.client.request<Lease>("GET", path, { signal });
        return false;
      }
      throw err;
    }
  }
}
