// Service environment variables (upstream pkg/kubelet/envvars) for the Services that exist when a
// container starts: FOO_SERVICE_HOST, FOO_SERVICE_PORT[_NAME], and Docker-link style FOO_PORT...
import type { KeyValue } from "../../cri/runtime.ts";

export interface ServiceEnvSource {
  name: string;
  namespace: string;
  clusterIP: string;
  ports: { name?: string; port: number; protocol?: string }[];
}

/** Names of the Services whose variables every pod gets (from the default namespace). */
export const MASTER_SERVICES = ["kubernetes"];

function envName(s: string): string {
  return s.replace(/-/g, "_").toUpperCase();
}

function isServiceIPSet(s: ServiceEnvSource): boolean {
  return s.clusterIP !== "" && s.clusterIP !== "None";
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Which Services a pod sees (upstream getServiceEnvVarMap): "kubernetes" from the default
 * namespace always; Services of the pod's own namespace when enableServiceLinks (default true).
 * Headless / IP-less Services are ignored. Sorted by name for a stable environment.
 */
export function servicesForPod(
  services: readonly ServiceEnvSource[],
  namespace: string,
  enableServiceLinks = true,
): ServiceEnvSource[] {
  const byName = new Map<string, ServiceEnvSource>();
  for (const s of services) {
    if (!isServiceIPSet(s)) continue;
    if (s.namespace === "default" && MASTER_SERVICES.includes(s.name)) {
      if (!byName.has(s.name)) byName.set(s.name, s);
    } else if (s.namespace === namespace && enableServiceLinks) {
      byName.set(s.name, s);
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The variables for these Services, in upstream order (FromServices). */
export function serviceEnvVars(services: readonly ServiceEnvSource[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const s of services) {
    if (!isServiceIPSet(s) || s.ports.length === 0) continue;
    const prefix = envName(s.name);
    out.push({ key: `${prefix}_SERVICE_HOST`, value: s.clusterIP });
    const portVar = `${prefix}_SERVICE_PORT`;
    out.push({ key: portVar, value: String(s.ports[0]!.port) });
    for (const p of s.ports) {
      if (p.name) out.push({ key: `${portVar}_${envName(p.name)}`, value: String(p.port) });
    }
    s.ports.forEach((p, i) => {
      const proto = p.protocol || "TCP";
      const url = `${proto.toLowerCase()}://${hostPort(s.clusterIP, p.port)}`;
      if (i === 0) out.push({ key: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ key: pp, value: url });
      out.push({ key: `${pp}_PROTO`, value: proto.toLowerCase() });
      out.push({ key: `${pp}_PORT`, value: String(p.port) });
      out.push({ key: `${pp}_ADDR`, value: s.clusterIP });
    });
  }
  return out;
}

/** Convenience: the service variables a container of this pod gets, as a map. */
export function serviceEnvForPod(
  services: readonly ServiceEnvSource[],
  namespace: string,
  enableServiceLinks = true,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of serviceEnvVars(servicesForPod(services, namespace, enableServiceLinks))) {
    out[key] = value;
  }
  return out;
}
