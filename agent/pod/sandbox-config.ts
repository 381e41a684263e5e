// The CRI sandbox configuration for a pod, as the kubelet builds it. Pure.
import type { Pod } from "../api/pod.ts";
import type { NamespaceOptions, PortMapping, SandboxConfig } from "../../cri/runtime.ts";
import type { ClusterDns } from "./dns.ts";
import { podDnsConfig } from "./dns.ts";
import { LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from "./labels.ts";

export interface SandboxInputs {
  attempt: number;
  logDirectory: string;
  cgroupParent: string;
  dns: ClusterDns;
}

/** The pod's hostname: spec.hostname or the pod name, cut to 63 characters as the kubelet does. */
export function podHostname(pod: Pod): string {
  const name = pod.spec.hostname || pod.metadata.name || "";
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, "");
}

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name ?? "",
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? "default",
    [LABEL_POD_UID]: pod.metadata.uid ?? "",
  };
}

export function portMappings(pod: Pod): PortMapping[] {
  const mappings: PortMapping[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      mappings.push({
        protocol: p.protocol ?? "TCP",
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIP ?? "",
      });
    }
  }
  return mappings;
}

export function podNamespaceOptions(pod: Pod): NamespaceOptions {
  const spec = pod.spec;
  return {
    network: spec.hostNetwork ? "node" : "pod",
    pid: spec.hostPID ? "node" : spec.shareProcessNamespace ? "pod" : "container",
    ipc: spec.hostIPC ? "node" : "pod",
  };
}

export function sandboxConfig(pod: Pod, inputs: SandboxInputs): SandboxConfig {
  const spec = pod.spec;
  const sysctls = Object.fromEntries((spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
  return {
    metadata: {
      name: pod.metadata.name ?? "",
      uid: pod.metadata.uid ?? "",
      namespace: pod.metadata.namespace ?? "default",
      attempt: inputs.attempt,
    },
    // A hostNetwork pod uses the node's hostname; the runtime rejects one set here.
    hostname: spec.hostNetwork ? "" : podHostname(pod),
    logDirectory: inputs.logDirectory,
    dnsConfig: podDnsConfig(pod, inputs.dns),
    portMappings: portMappings(pod),
    labels: podLabels(pod),
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      cgroupParent: inputs.cgroupParent,
      namespaceOptions: podNamespaceOptions(pod),
      ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
    },
    ...(spec.runtimeClassName ? { runtimeHandler: spec.runtimeClassName } : {}),
  };
}
