// The change tracker: Services and EndpointSlices arrive as a stream of upserts and deletes (from
// manifests or API watches); the tracker keeps the current objects, the per-Service model, and
// which Services changed since the last sync, and wakes its subscribers.
import type { EndpointSlice } from "../agent/api/endpointslice.ts";
import { SERVICE_NAME_LABEL } from "../agent/api/endpointslice.ts";
import type { Service } from "../agent/api/service.ts";
import { buildServicePorts, type ServicePortInfo, serviceKey } from "./model.ts";

export type SourceKind = "services" | "endpointslices";

export interface ChangeSet {
  /** Keys ("ns/name") of the Services whose model changed since the previous takeChanges(). */
  changed: Set<string>;
  /** The model after the changes: Service key → its ports. */
  model: ReadonlyMap<string, ServicePortInfo[]>;
}

export class ProxyState {
  readonly nodeName: string;
  #services = new Map<string, Service>();
  #slices = new Map<string, EndpointSlice>();
  #slicesOf = new Map<string, Set<string>>();
  #model = new Map<string, ServicePortInfo[]>();
  #dirty = new Set<string>();
  #synced = new Set<SourceKind>();
  #listeners = new Set<() => void>();
  /** When the oldest unsynced change arrived (for network_programming_duration_seconds). */
  oldestChangeAt: number | null = null;

  constructor(nodeName: string) {
    this.nodeName = nodeName;
  }

  upsertService(svc: Service): void {
    const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
    this.#services.set(key, svc);
    this.#touch(key);
  }

  deleteService(namespace: string, name: string): void {
    const key = serviceKey(namespace, name);
    if (this.#services.delete(key)) this.#touch(key);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const key = serviceKey(slice.metadata.namespace, slice.metadata.name);
    const old = this.#slices.get(key);
    if (old) this.#unlink(key, old);
    this.#slices.set(key, slice);
    const svc = this.#ownerOf(slice);
    if (svc === null) return;
    let set = this.#slicesOf.get(svc);
    if (!set) {
      set = new Set();
      this.#slicesOf.set(svc, set);
    }
    set.add(key);
    this.#touch(svc);
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const key = serviceKey(namespace, name);
    const old = this.#slices.get(key);
    if (!old) return;
    this.#slices.delete(key);
    this.#unlink(key, old);
  }

  markSynced(kind: SourceKind): void {
    this.#synced.add(kind);
    this.#notify();
  }

  /** True once the first full list of both Services and EndpointSlices has arrived. */
  isSynced(): boolean {
    return this.#synced.has("services") && this.#synced.has("endpointslices");
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  services(): Service[] {
    return [...this.#services.values()];
  }

  /** Rebuilds the model of the Services that changed and returns which ones did. */
  takeChanges(): ChangeSet {
    const changed = this.#dirty;
    this.#dirty = new Set();
    for (const key of changed) {
      const svc = this.#services.get(key);
      if (!svc) {
        this.#model.delete(key);
        continue;
      }
      const slices = [...(this.#slicesOf.get(key) ?? [])].map((k) => this.#slices.get(k)!);
      this.#model.set(key, buildServicePorts(svc, slices, this.nodeName));
    }
    return { changed, model: this.#model };
  }

  #ownerOf(slice: EndpointSlice): string | null {
    const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    return name ? serviceKey(slice.metadata.namespace, name) : null;
  }

  #unlink(sliceKey: string, slice: EndpointSlice): void {
    const svc = this.#ownerOf(slice);
    if (svc === null) return;
    this.#slicesOf.get(svc)?.delete(sliceKey);
    this.#touch(svc);
  }

  #touch(key: string): void {
    this.#dirty.add(key);
    this.oldestChangeAt ??= Date.now();
    this.#notify();
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }
}
