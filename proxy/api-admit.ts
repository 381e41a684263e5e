// Which API objects the proxy programs, decided per object without I/O. The proxy is IPv4 only:
// a dual-stack Service is seen through its IPv4 addresses, an IPv6-only one is left alone. A
// Service the API server accepted but this proxy cannot handle is reported with its field errors.
import type { Service } from "../agent/api/service.ts";
import { isIPv4 } from "./ipv4.ts";
import { type FieldError, validateService } from "./validate.ts";

/**
 * kube-proxy's label selector for both Services and EndpointSlices: objects handled by another
 * proxy (service-proxy-name) and headless Services' slices are not ours.
 */
export const PROXY_LABEL_SELECTOR =
  "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless";

export type ServiceAdmission =
  | { kind: "program"; service: Service }
  | { kind: "ignore"; reason: string }
  | { kind: "invalid"; errors: FieldError[] };

/** The Service as the IPv4 proxy sees it: IPv4 cluster IP, IPv4 external and ingress IPs only. */
export function ipv4View(svc: Service): Service | null {
  const spec = svc.spec ?? {};
  const primary = spec.clusterIP;
  let clusterIP = primary;
  if (primary && primary !== "None" && !isIPv4(primary)) {
    clusterIP = (spec.clusterIPs ?? []).find(isIPv4);
    if (clusterIP === undefined) return null;
  }
  const view: Service = { ...svc, spec: { ...spec } };
  if (clusterIP !== undefined) view.spec.clusterIP = clusterIP;
  if (spec.externalIPs) view.spec.externalIPs = spec.externalIPs.filter(isIPv4);
  const ingress = svc.status?.loadBalancer?.ingress;
  if (ingress) {
    view.status = {
      ...svc.status,
      loadBalancer: { ingress: ingress.filter((i) => i.ip === undefined || isIPv4(i.ip)) },
    };
  }
  return view;
}

export function admitService(obj: Service): ServiceAdmission {
  const view = ipv4View(obj);
  if (view === null) return { kind: "ignore", reason: "IPv6-only Service (this proxy handles IPv4)" };
  const v = validateService(view);
  if (!v.service) return { kind: "invalid", errors: v.errors };
  return { kind: "program", service: v.service };
}
