// Validation of Service manifests (standalone mode): every problem is reported with its field path,
// so that a bad Service can be logged and skipped while the others are programmed.
import type { Service } from "../agent/api/service.ts";
import { isIPv4 } from "./ipv4.ts";

export interface FieldError {
  path: string;
  message: string;
}

const TYPES = new Set(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]);
const PROTOCOLS = new Set(["TCP", "UDP", "SCTP"]);
const POLICIES = new Set(["Cluster", "Local"]);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** Checks `obj` as a core/v1 Service. Returns the typed Service when there are no errors. */
export function validateService(obj: unknown): { service?: Service; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (typeof obj !== "object" || obj === null) return { errors: [{ path: "", message: "not an object" }] };
  const o = obj as Record<string, unknown>;
  if (o.apiVersion !== undefined && o.apiVersion !== "v1") err("apiVersion", `must be "v1"`);
  if (o.kind !== undefined && o.kind !== "Service") err("kind", `must be "Service"`);
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || meta === null) err("metadata", "required");
  else {
    if (typeof meta.name !== "string" || meta.name.length > 63 || !DNS_LABEL.test(meta.name))
      err("metadata.name", "must be a DNS-1035 label of at most 63 characters");
    if (
      meta.namespace !== undefined &&
      (typeof meta.namespace !== "string" || !DNS_LABEL.test(meta.namespace))
    )
      err("metadata.namespace", "must be a DNS label");
  }
  const spec = o.spec as Record<string, unknown> | undefined;
  if (typeof spec !== "object" || spec === null) {
    err("spec", "required");
    return { errors };
  }
  const type = spec.type ?? "ClusterIP";
  if (typeof type !== "string" || !TYPES.has(type))
    err("spec.type", `unsupported value ${JSON.stringify(type)}`);
  if (type === "ExternalName") {
    if (typeof spec.externalName !== "string" || spec.externalName === "")
      err("spec.externalName", "required for type ExternalName");
  }
  const clusterIP = spec.clusterIP;
  if (clusterIP !== undefined && clusterIP !== "" && clusterIP !== "None") {
    if (typeof clusterIP !== "string" || !isIPv4(clusterIP)) err("spec.clusterIP", "must be an IPv4 address");
  }
  if (clusterIP === "None" && (type === "NodePort" || type === "LoadBalancer"))
    err("spec.clusterIP", `may not be "None" for type ${type}`);
  const ports = spec.ports;
  if (ports !== undefined && !Array.isArray(ports)) err("spec.ports", "must be a list");
  const portList = Array.isArray(ports) ? ports : [];
  if (portList.length === 0 && type !== "ExternalName" && clusterIP !== "None") err("spec.ports", "required");
  const names = new Set<string>();
  const seen = new Set<string>();
  portList.forEach((p: Record<string, unknown>, i) => {
    const at = `spec.ports[${i}]`;
    if (typeof p !== "object" || p === null) {
      err(at, "must be an object");
      return;
    }
    if (portList.length > 1 && (typeof p.name !== "string" || p.name === ""))
      err(`${at}.name`, "required when there is more than one port");
    if (p.name !== undefined && p.name !== "") {
      if (typeof p.name !== "string" || !PORT_NAME.test(p.name)) err(`${at}.name`, "must be a DNS label");
      else if (names.has(p.name)) err(`${at}.name`, `duplicate name ${p.name}`);
      else names.add(p.name);
    }
    const proto = p.protocol ?? "TCP";
    if (typeof proto !== "string" || !PROTOCOLS.has(proto)) err(`${at}.protocol`, "must be TCP, UDP or SCTP");
    if (!isPort(p.port)) err(`${at}.port`, "must be an integer in 1-65535");
    else {
      const k = `${proto}/${p.port}`;
      if (seen.has(k)) err(`${at}.port`, `duplicate port ${k}`);
      seen.add(k);
    }
    const tp = p.targetPort;
    if (
      tp !== undefined &&
      !isPort(tp) &&
      !(typeof tp === "string" && tp.length <= 15 && IANA_SVC_NAME.test(tp))
    )
      err(`${at}.targetPort`, "must be a port number or an IANA service name");
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (!isPort(p.nodePort)) err(`${at}.nodePort`, "must be an integer in 1-65535");
      else if (type !== "NodePort" && type !== "LoadBalancer")
        err(`${at}.nodePort`, "may only be set for type NodePort or LoadBalancer");
    }
  });
  const ext = spec.externalIPs;
  if (ext !== undefined) {
    if (!Array.isArray(ext)) err("spec.externalIPs", "must be a list");
    else
      ext.forEach((ip, i) => {
        if (typeof ip !== "string" || !isIPv4(ip)) err(`spec.externalIPs[${i}]`, "must be an IPv4 address");
      });
  }
  const affinity = spec.sessionAffinity ?? "None";
  if (affinity !== "None" && affinity !== "ClientIP") err("spec.sessionAffinity", "must be None or ClientIP");
  const cfg = spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined;
  const timeout = cfg?.clientIP?.timeoutSeconds;
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && (timeout as number) > 0 && (timeout as number) <= 86400)
  )
    err("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be in 1-86400");
  for (const f of ["externalTrafficPolicy", "internalTrafficPolicy"]) {
    if (spec[f] !== undefined && !POLICIES.has(spec[f] as string))
      err(`spec.${f}`, "must be Cluster or Local");
  }
  if (spec.externalTrafficPolicy === "Local" && type !== "NodePort" && type !== "LoadBalancer" && !ext)
    err(
      "spec.externalTrafficPolicy",
      "may only be Local for NodePort/LoadBalancer Services or with externalIPs",
    );
  if (spec.selector !== undefined) {
    const sel = spec.selector;
    if (typeof sel !== "object" || sel === null || Object.values(sel).some((v) => typeof v !== "string"))
      err("spec.selector", "must be a map of strings");
  }
  if (spec.healthCheckNodePort !== undefined && !isPort(spec.healthCheckNodePort))
    err("spec.healthCheckNodePort", "must be an integer in 1-65535");
  const ingress = (o.status as { loadBalancer?: { ingress?: unknown } } | undefined)?.loadBalancer?.ingress;
  if (Array.isArray(ingress))
    ingress.forEach((ing: { ip?: unknown }, i) => {
      if (ing?.ip !== undefined && (typeof ing.ip !== "string" || !isIPv4(ing.ip)))
        err(`status.loadBalancer.ingress[${i}].ip`, "must be an IPv4 address");
    });
  return errors.length > 0 ? { errors } : { service: obj as Service, errors };
}
