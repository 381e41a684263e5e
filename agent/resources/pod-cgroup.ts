// The pod-level cgroup: where it lives and which limits the kubelet puts on it
// (pkg/kubelet/cm: ResourceConfigForPod, cgroup name conversions for cgroupfs and systemd).
import type { Pod, QOSClass } from "../api/pod.ts";
import { milliCPUToQuota, milliCPUToShares, MIN_SHARES, QUOTA_PERIOD_US } from "./linux-resources.ts";
import { containerLimits, podLimits, podRequests } from "./pod-requests.ts";
import { qosClass } from "./qos.ts";

/** Top-level cgroup of all pods (kubelet --cgroup-root default "/" + "kubepods"). */
export const KUBEPODS = "kubepods";

/** Cgroup name as segments: ["kubepods", "burstable", "pod<uid>"]; Guaranteed sits under kubepods. */
export function podCgroupName(qos: QOSClass, uid: string): string[] {
  const pod = `pod${uid}`;
  if (qos === "Guaranteed") return [KUBEPODS, pod];
  return [KUBEPODS, qos === "Burstable" ? "burstable" : "besteffort", pod];
}

/** QoS-level cgroup name: ["kubepods"] for Guaranteed, ["kubepods", "burstable"] otherwise. */
export function qosCgroupName(qos: QOSClass): string[] {
  if (qos === "Guaranteed") return [KUBEPODS];
  return [KUBEPODS, qos === "Burstable" ? "burstable" : "besteffort"];
}

/** cgroupfs driver: "/kubepods/burstable/pod<uid>" under cgroupRoot ("/" by default). */
export function toCgroupfsPath(segments: string[], cgroupRoot = "/"): string {
  const root = cgroupRoot.replace(/\/+$/, "");
  return `${root}/${segments.join("/")}`.replace(/\/{2,}/g, "/");
}

function escapeSystemdSegment(part: string): string {
  return part.replace(/-/g, "_");
}

/**
 * systemd driver: each segment becomes a slice nested in its parents' names, with "-" in a
 * segment escaped to "_": kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice
 */
export function toSystemdPath(segments: string[]): string {
  if (segments.length === 0) return "/";
  const out: string[] = [];
  let prefix = "";
  for (const seg of segments) {
    const escaped = escapeSystemdSegment(seg);
    prefix = prefix === "" ? escaped : `${prefix}-${escaped}`;
    out.push(`${prefix}.slice`);
  }
  return `/${out.join("/")}`;
}

export interface PodCgroupLimits {
  cpuShares: number;
  /** Set only when every container (init ones included) has a cpu limit, or the pod is Guaranteed. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Set only when every container has a memory limit, or the pod is Guaranteed. */
  memoryLimitBytes?: number;
}

/**
 * Limits on the pod cgroup (upstream ResourceConfigForPod): shares from the pod's aggregated cpu
 * request; quota and memory from aggregated limits, but only when every container declares that
 * limit (otherwise one unlimited container would be capped by the others' sum). BestEffort: 2 shares.
 */
export function podCgroupLimits(
  pod: Pod,
  options: { cpuCfsQuota?: boolean; cpuCfsQuotaPeriodUs?: number } = {},
): PodCgroupLimits {
  const qos = qosClass(pod);
  if (qos === "BestEffort") return { cpuShares: MIN_SHARES };
  const reqs = podRequests(pod);
  const limits = podLimits(pod);
  const period = options.cpuCfsQuotaPeriodUs ?? QUOTA_PERIOD_US;
  const quota = options.cpuCfsQuota === false ? -1 : milliCPUToQuota(limits.milliCPU, period);
  const cpuShares = milliCPUToShares(reqs.milliCPU);
  if (qos === "Guaranteed") {
    return { cpuShares, cpuQuota: quota, cpuPeriod: period, memoryLimitBytes: limits.memoryBytes };
  }
  let cpuDeclared = true;
  let memoryDeclared = true;
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    const l = containerLimits(c);
    if (l.milliCPU === 0) cpuDeclared = false;
    if (l.memoryBytes === 0) memoryDeclared = false;
  }
  const out: PodCgroupLimits = { cpuShares };
  if (cpuDeclared) {
    out.cpuQuota = quota;
    out.cpuPeriod = period;
  }
  if (memoryDeclared) out.memoryLimitBytes = limits.memoryBytes;
  return out;
}
