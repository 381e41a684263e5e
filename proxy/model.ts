// The proxy's model: one entry per Service port, with its frontends (cluster IP, node port, external
// and load-balancer IPs) and the endpoints each kind of traffic may use. Backends render from this.
import type { EndpointSlice } from "../agent/api/endpointslice.ts";
import type { Protocol, Service } from "../agent/api/service.ts";
import { isIPv4 } from "./ipv4.ts";

export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

export interface ServicePortInfo {
  /** "namespace/name:portName/PROTOCOL", unique per Service port. */
  id: string;
  serviceKey: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string | null;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** 0 when sessionAffinity is None. */
  affinitySeconds: number;
  internalLocal: boolean;
  externalLocal: boolean;
  healthCheckNodePort: number;
  endpoints: EndpointInfo[];
}

export const DEFAULT_AFFINITY_SECONDS = 10800;

export function serviceKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? "default"}/${name ?? ""}`;
}

/** Ready endpoints; when none is ready, the serving terminating ones (graceful termination). */
export function usableEndpoints(all: EndpointInfo[]): EndpointInfo[] {
  const ready = all.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return all.filter((e) => e.serving && e.terminating);
}

/** Endpoints for traffic to the cluster IP (internalTrafficPolicy). */
export function clusterEndpoints(sp: ServicePortInfo): EndpointInfo[] {
  return usableEndpoints(sp.internalLocal ? sp.endpoints.filter((e) => e.local) : sp.endpoints);
}

/** Endpoints for traffic to node ports, external and load-balancer IPs (externalTrafficPolicy). */
export function externalEndpoints(sp: ServicePortInfo): EndpointInfo[] {
  return usableEndpoints(sp.externalLocal ? sp.endpoints.filter((e) => e.local) : sp.endpoints);
}

export function hasExternal(sp: ServicePortInfo): boolean {
  return sp.nodePort > 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
}

/** The Service ports of one Service, with endpoints taken from its slices. Empty for headless/ExternalName. */
export function buildServicePorts(
  svc: Service,
  slices: Iterable<EndpointSlice>,
  nodeName: string,
): ServicePortInfo[] {
  const spec = svc.spec;
  const type = spec.type ?? "ClusterIP";
  if (type === "ExternalName") return [];
  const clusterIP =
    spec.clusterIP && spec.clusterIP !== "None" && isIPv4(spec.clusterIP) ? spec.clusterIP : null;
  if (!clusterIP) return [];
  const key = serviceKey(svc.metadata.namespace, svc.metadata.name);
  const sliceList = [...slices].filter((s) => s.addressType === "IPv4");
  const affinitySeconds =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS)
      : 0;
  const withNodePorts = type === "NodePort" || type === "LoadBalancer";
  const lbIPs =
    type === "LoadBalancer"
      ? (svc.status?.loadBalancer?.ingress ?? [])
          .filter((i) => i.ip && isIPv4(i.ip) && i.ipMode !== "Proxy")
          .map((i) => i.ip!)
      : [];
  const externalLocal =
    spec.externalTrafficPolicy === "Local" && (withNodePorts || (spec.externalIPs ?? []).length > 0);
  return (spec.ports ?? []).map((p) => {
    const portName = p.name ?? "";
    const protocol = p.protocol ?? "TCP";
    const endpoints: EndpointInfo[] = [];
    const seen = new Set<string>();
    for (const slice of sliceList) {
      const ep = (slice.ports ?? []).find(
        (sp) => (sp.name ?? "") === portName && (sp.protocol ?? "TCP") === protocol,
      );
      if (!ep?.port) continue;
      for (const e of slice.endpoints ?? []) {
        const ip = e.addresses?.[0];
        if (!ip || !isIPv4(ip)) continue;
        const id = `${ip}:${ep.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const c = e.conditions ?? {};
        const ready = c.ready ?? true;
        endpoints.push({
          ip,
          port: ep.port,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating ?? false,
          local: e.nodeName === nodeName,
        });
      }
    }
    endpoints.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
    return {
      id: `${key}:${portName}/${protocol}`,
      serviceKey: key,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: withNodePorts ? (p.nodePort ?? 0) : 0,
      externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
      loadBalancerIPs: lbIPs,
      affinitySeconds,
      internalLocal: spec.internalTrafficPolicy === "Local",
      externalLocal,
      healthCheckNodePort: externalLocal && withNodePorts ? (spec.healthCheckNodePort ?? 0) : 0,
      endpoints,
    };
  });
}
