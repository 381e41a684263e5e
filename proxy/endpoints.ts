// Standalone endpoints: what the EndpointSlice controller would publish for a Service, derived
// from the pods this node runs (label selector, pod IP, readiness, named target ports).
import type { EndpointPort, EndpointSlice } from "../agent/api/endpointslice.ts";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "../agent/api/endpointslice.ts";
import type { IntOrString } from "../agent/api/meta.ts";
import type { Pod } from "../agent/api/pod.ts";
import type { Service } from "../agent/api/service.ts";
import { selectorMatches } from "./labels.ts";

export interface PodEndpointInput {
  pod: Pod;
  ready: boolean;
  terminating?: boolean;
  ip?: string;
  nodeName: string;
}

export const NODELET_CONTROLLER = "nodelet";

function resolveTargetPort(pod: Pod, target: IntOrString, protocol: string): number | null {
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
    }
  }
  return null;
}

/**
 * The EndpointSlices for `service` given the candidate pods. Pods are grouped into one slice per
 * distinct resolved port set (a named targetPort may resolve differently per pod). Services without
 * a selector get none (their slices are written by hand).
 */
export function deriveEndpointSlices(
  service: Service,
  pods: PodEndpointInput[],
  _nodeName: string,
): EndpointSlice[] {
  const ns = service.metadata.namespace ?? "default";
  const name = service.metadata.name ?? "";
  const spec = service.spec;
  if (!spec.selector || spec.type === "ExternalName") return [];
  const groups = new Map<string, EndpointSlice>();
  const sorted = [...pods].sort((a, b) =>
    (a.pod.metadata.name ?? "").localeCompare(b.pod.metadata.name ?? ""),
  );
  for (const input of sorted) {
    const { pod } = input;
    if ((pod.metadata.namespace ?? "default") !== ns) continue;
    if (!selectorMatches(spec.selector, pod.metadata.labels)) continue;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") continue;
    const ip = input.ip ?? pod.status?.podIP;
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of spec.ports ?? []) {
      const protocol = sp.protocol ?? "TCP";
      const port = resolveTargetPort(pod, sp.targetPort ?? sp.port, protocol);
      if (port === null) continue;
      ports.push({ name: sp.name ?? "", protocol, port });
    }
    const signature = JSON.stringify(ports);
    let slice = groups.get(signature);
    if (!slice) {
      slice = {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: `${name}-${NODELET_CONTROLLER}-${groups.size}`,
          namespace: ns,
          labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: NODELET_CONTROLLER },
        },
        addressType: "IPv4",
        endpoints: [],
        ports,
      };
      groups.set(signature, slice);
    }
    const terminating = input.terminating ?? pod.metadata.deletionTimestamp !== undefined;
    const serving = input.ready;
    slice.endpoints.push({
      addresses: [ip],
      conditions: {
        ready: spec.publishNotReadyAddresses ? true : serving && !terminating,
        serving,
        terminating,
      },
      nodeName: input.nodeName,
      targetRef: { kind: "Pod", namespace: ns, name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
    });
  }
  return [...groups.values()];
}
