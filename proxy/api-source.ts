// Cluster mode: Services and EndpointSlices from the API server (two list+watch reflectors) feed
// the ProxyState. Each kind is marked synced after its first complete list, so the syncer
// programs nothing before both have arrived. A Service this proxy cannot handle is logged once per
// version and left out; the others are unaffected.
import type { EndpointSlice } from "../agent/api/endpointslice.ts";
import type { Service } from "../agent/api/service.ts";
import type { ApiClient } from "../agent/cluster/api-client.ts";
import { Reflector, type ReflectorChange } from "../agent/cluster/reflector.ts";
import type { Logger } from "../agent/log.ts";
import { admitService, PROXY_LABEL_SELECTOR } from "./api-admit.ts";
import type { ProxyState, SourceKind } from "./state.ts";
import { StoreMirror } from "./store-mirror.ts";

export const SERVICES_PATH = "/api/v1/services";
export const ENDPOINTSLICES_PATH = "/apis/discovery.k8s.io/v1/endpointslices";

export interface ApiServiceSourceOptions {
  client: ApiClient;
  state: ProxyState;
  log: Logger;
  /** While a first list is missing, warn this often with the last error (default 15 s). */
  unsyncedWarningMs?: number;
  backoffMs?: { initial: number; max: number };
}

export class ApiServiceSource {
  readonly services: Reflector<Service>;
  readonly endpointSlices: Reflector<EndpointSlice>;
  readonly #o: ApiServiceSourceOptions;
  #warnTimer: NodeJS.Timeout | undefined;

  constructor(o: ApiServiceSourceOptions) {
    this.#o = o;
    const { state, log } = o;
    const serviceMirror = new StoreMirror<Service>({
      upsert: (svc) => this.#applyService(svc),
      remove: (ns, name) => state.deleteService(ns, name),
    });
    const sliceMirror = new StoreMirror<EndpointSlice>({
      upsert: (slice) => state.upsertEndpointSlice(slice),
      remove: (ns, name) => state.deleteEndpointSlice(ns, name),
    });
    const common = {
      client: o.client,
      labelSelector: PROXY_LABEL_SELECTOR,
      ...(o.backoffMs ? { backoffMs: o.backoffMs } : {}),
    };
    this.services = new Reflector<Service>({
      ...common,
      path: SERVICES_PATH,
      log: log.child({ reflector: "services" }),
      onChange: (store, change) => this.#feed(serviceMirror, "services", store, change),
    });
    this.endpointSlices = new Reflector<EndpointSlice>({
      ...common,
      path: ENDPOINTSLICES_PATH,
      log: log.child({ reflector: "endpointslices" }),
      onChange: (store, change) => this.#feed(sliceMirror, "endpointslices", store, change),
    });
  }

  start(): void {
    this.services.start();
    this.endpointSlices.start();
    const every = this.#o.unsyncedWarningMs ?? 15_000;
    this.#warnTimer = setInterval(() => this.#warnUnsynced(), every);
    this.#warnTimer.unref();
    void this.waitForSync().then(() => clearInterval(this.#warnTimer));
  }

  /** Resolves once the first complete list of both kinds has reached the state. */
  async waitForSync(): Promise<void> {
    await Promise.all([this.services.waitForSync(), this.endpointSlices.waitForSync()]);
  }

  get synced(): boolean {
    return this.services.synced && this.endpointSlices.synced;
  }

  async stop(): Promise<void> {
    clearInterval(this.#warnTimer);
    await Promise.all([this.services.stop(), this.endpointSlices.stop()]);
  }

  #feed<T extends { metadata: Service["metadata"] }>(
    mirror: StoreMirror<T>,
    kind: SourceKind,
    store: ReadonlyMap<string, T>,
    change: ReflectorChange<T>,
  ): void {
    if (change.type === "sync") {
      mirror.sync(store.values());
      this.#o.state.markSynced(kind);
    } else if (change.type === "DELETED") mirror.remove(change.object);
    else mirror.upsert(change.object);
  }

  #applyService(obj: Service): void {
    const ns = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    const a = admitService(obj);
    if (a.kind === "program") {
      this.#o.state.upsertService(a.service);
      return;
    }
    // A Service that stops being programmable loses its rules rather than keeping stale ones.
    this.#o.state.deleteService(ns, name);
    if (a.kind === "ignore") this.#o.log.debug({ service: `${ns}/${name}` }, a.reason);
    else
      this.#o.log.error(
        { service: `${ns}/${name}`, errors: a.errors },
        `Service ${ns}/${name} skipped: ${a.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
      );
  }

  #warnUnsynced(): void {
    for (const r of [this.services, this.endpointSlices]) {
      if (r.synced) continue;
      const which = r === this.services ? SERVICES_PATH : ENDPOINTSLICES_PATH;
      const forbidden = /forbidden/i.test(r.lastError ?? "");
      this.#o.log.warn(
        { path: which, lastError: r.lastError },
        `no rules programmed yet: waiting for the first list of ${which}` +
          (forbidden
            ? " (forbidden: this identity needs list/watch on services and endpointslices, e.g. ClusterRole system:node-proxier)"
            : ""),
      );
    }
  }
}
