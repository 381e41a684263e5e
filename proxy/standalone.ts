// Standalone mode (no API server): Service and EndpointSlice manifests from the manifests directory,
// plus EndpointSlices derived from the pods this node runs. Feeds the same ProxyState as the API
// watches would. A bad manifest is logged with its problems and ignored; the others are unaffected.
import type { EndpointSlice } from "../agent/api/endpointslice.ts";
import { SERVICE_NAME_LABEL } from "../agent/api/endpointslice.ts";
import type { Service } from "../agent/api/service.ts";
import type { Logger } from "../agent/log.ts";
import { ServiceAllocator } from "./allocate.ts";
import { deriveEndpointSlices, NODELET_CONTROLLER, type PodEndpointInput } from "./endpoints.ts";
import { isIPv4 } from "./ipv4.ts";
import { serviceKey } from "./model.ts";
import type { ProxyState } from "./state.ts";
import { type FieldError, validateService } from "./validate.ts";

export function validateEndpointSlice(obj: unknown): { slice?: EndpointSlice; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const o = obj as Partial<EndpointSlice> & { apiVersion?: string; kind?: string };
  if (typeof o !== "object" || o === null) return { errors: [{ path: "", message: "not an object" }] };
  if (o.apiVersion !== undefined && o.apiVersion !== "discovery.k8s.io/v1")
    errors.push({ path: "apiVersion", message: `must be "discovery.k8s.io/v1"` });
  if (!o.metadata?.name) errors.push({ path: "metadata.name", message: "required" });
  if (!o.metadata?.labels?.[SERVICE_NAME_LABEL])
    errors.push({ path: "metadata.labels", message: `label ${SERVICE_NAME_LABEL} is required` });
  if (o.addressType !== "IPv4" && o.addressType !== "IPv6" && o.addressType !== "FQDN")
    errors.push({ path: "addressType", message: "must be IPv4, IPv6 or FQDN" });
  if (!Array.isArray(o.endpoints)) errors.push({ path: "endpoints", message: "must be a list" });
  else
    o.endpoints.forEach((e, i) => {
      if (!Array.isArray(e?.addresses) || e.addresses.length === 0)
        errors.push({ path: `endpoints[${i}].addresses`, message: "required" });
      else if (o.addressType === "IPv4")
        e.addresses.forEach((a, j) => {
          if (!isIPv4(a))
            errors.push({ path: `endpoints[${i}].addresses[${j}]`, message: "must be an IPv4 address" });
        });
    });
  (o.ports ?? []).forEach((p, i) => {
    if (p.port !== undefined && !(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535))
      errors.push({ path: `ports[${i}].port`, message: "must be an integer in 1-65535" });
    if (p.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(p.protocol))
      errors.push({ path: `ports[${i}].protocol`, message: "must be TCP, UDP or SCTP" });
  });
  return errors.length > 0 ? { errors } : { slice: o as EndpointSlice, errors };
}

export class StandaloneServiceSource {
  #state: ProxyState;
  #alloc: ServiceAllocator;
  #log: Logger;
  #services = new Map<string, Service>();
  #derived = new Map<string, Set<string>>();
  #pods: PodEndpointInput[] = [];
  #lastDerived = new Map<string, string>();

  constructor(state: ProxyState, serviceCIDR: string, log: Logger) {
    this.#state = state;
    this.#alloc = new ServiceAllocator({ serviceCIDR });
    this.#log = log;
  }

  /** Adds or updates a Service manifest; returns its problems (and then changes nothing). */
  applyService(obj: unknown, origin: string): FieldError[] {
    const v = validateService(obj);
    const a = v.service ? this.#alloc.assign(v.service) : { errors: v.errors };
    if (!a.service) {
      this.#log.error({ origin, errors: a.errors }, "invalid Service manifest ignored");
      return a.errors;
    }
    const key = serviceKey(a.service.metadata.namespace, a.service.metadata.name);
    this.#services.set(key, a.service);
    this.#state.upsertService(a.service);
    this.#deriveFor(key);
    return [];
  }

  removeService(namespace: string, name: string): void {
    const key = serviceKey(namespace, name);
    this.#alloc.release(key);
    this.#services.delete(key);
    this.#state.deleteService(namespace, name);
    for (const sliceName of this.#derived.get(key) ?? [])
      this.#state.deleteEndpointSlice(namespace, sliceName);
    this.#derived.delete(key);
    this.#lastDerived.delete(key);
  }

  /** A hand-written EndpointSlice (for Services without a selector). */
  applyEndpointSlice(obj: unknown, origin: string): FieldError[] {
    const v = validateEndpointSlice(obj);
    if (!v.slice) {
      this.#log.error({ origin, errors: v.errors }, "invalid EndpointSlice manifest ignored");
      return v.errors;
    }
    this.#state.upsertEndpointSlice({ ...v.slice, metadata: { namespace: "default", ...v.slice.metadata } });
    return [];
  }

  removeEndpointSlice(namespace: string, name: string): void {
    this.#state.deleteEndpointSlice(namespace, name);
  }

  /** The local pods with their readiness; re-derives the endpoints of every selector Service. */
  setPods(pods: PodEndpointInput[]): void {
    this.#pods = pods;
    for (const key of this.#services.keys()) this.#deriveFor(key);
  }

  /** Call once the manifests directory has been read completely. */
  markSynced(): void {
    this.#state.markSynced("services");
    this.#state.markSynced("endpointslices");
  }

  #deriveFor(key: string): void {
    const svc = this.#services.get(key)!;
    const ns = svc.metadata.namespace ?? "default";
    const slices = deriveEndpointSlices(svc, this.#pods, this.#state.nodeName);
    const text = JSON.stringify(slices);
    if (this.#lastDerived.get(key) === text) return;
    this.#lastDerived.set(key, text);
    const names = new Set(slices.map((s) => s.metadata.name!));
    for (const old of this.#derived.get(key) ?? [])
      if (!names.has(old)) this.#state.deleteEndpointSlice(ns, old);
    for (const s of slices) this.#state.upsertEndpointSlice(s);
    if (svc.spec.selector) this.#derived.set(key, names);
  }
}

export { NODELET_CONTROLLER };
