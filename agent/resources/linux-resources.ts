// CRI LinuxContainerResources for one container, and its OOM score adjustment, as the kubelet
// computes them (kuberuntime calculateLinuxResources, qos.GetContainerOOMScoreAdjust).
import type { Container, Pod } from "../api/pod.ts";
import type { LinuxResources } from "../../cri/runtime.ts";
import { containerRequests, isRestartableInitContainer } from "./pod-requests.ts";
import { parseQuantity } from "./quantity.ts";
import { qosClass } from "./qos.ts";

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
export const QUOTA_PERIOD_US = 100000;
export const MIN_QUOTA_US = 1000;

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
/** Annotation holding a pod's config source; anything other than "api" is a static pod. */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** cpu.shares for a milli-CPU amount: 0 → 2 (the kernel's minimum), clamped to [2, 262144]. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.trunc((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota (µs per period) for a milli-CPU limit; 0 = no limit; at least 1 ms. */
export function milliCPUToQuota(milliCPU: number, periodUs: number = QUOTA_PERIOD_US): number {
  if (milliCPU === 0) return 0;
  const quota = Math.trunc((milliCPU * periodUs) / 1000);
  return Math.max(MIN_QUOTA_US, quota);
}

export interface LinuxResourceOptions {
  /** Enforce CPU limits with CFS quota (kubelet --cpu-cfs-quota, default true). */
  cpuCfsQuota?: boolean;
  /** CFS period in µs (kubelet --cpu-cfs-quota-period, default 100000). */
  cpuCfsQuotaPeriodUs?: number;
}

/**
 * The container's CRI resources. Like upstream, cpuPeriod is always sent when CFS quota is on and
 * cpuQuota only when a cpu limit is set; cpuShares come from the request, or the limit when there
 * is no request, or 2 when neither.
 */
export function containerLinuxResources(
  pod: Pod,
  container: Container,
  nodeMemoryBytes: number,
  options: LinuxResourceOptions = {},
): LinuxResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuLimitMilli = limits["cpu"] !== undefined ? parseQuantity(limits["cpu"]).milliValue() : 0;
  const memLimit = limits["memory"] !== undefined ? parseQuantity(limits["memory"]).value() : 0;
  let cpuShares: number;
  if (requests["cpu"] === undefined && cpuLimitMilli !== 0) {
    cpuShares = milliCPUToShares(cpuLimitMilli);
  } else {
    cpuShares = milliCPUToShares(
      requests["cpu"] === undefined ? 0 : parseQuantity(requests["cpu"]).milliValue(),
    );
  }
  const out: LinuxResources = { cpuShares };
  if (memLimit !== 0) out.memoryLimitInBytes = memLimit;
  if (options.cpuCfsQuota ?? true) {
    const period = options.cpuCfsQuotaPeriodUs ?? QUOTA_PERIOD_US;
    out.cpuPeriod = period;
    const quota = milliCPUToQuota(cpuLimitMilli, period);
    if (quota !== 0) out.cpuQuota = quota;
  }
  out.oomScoreAdj = oomScoreAdj(pod, container, nodeMemoryBytes);
  return out;
}

/** Static (file/http source) or mirror pods, or priority ≥ system-critical. */
export function isCriticalPod(pod: Pod): boolean {
  const annotations = pod.metadata.annotations ?? {};
  const source = annotations[CONFIG_SOURCE_ANNOTATION];
  if (source !== undefined && source !== "api") return true;
  if (annotations[CONFIG_MIRROR_ANNOTATION] !== undefined) return true;
  return (pod.spec.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

export function isNodeCriticalPod(pod: Pod): boolean {
  return isCriticalPod(pod) && pod.spec.priorityClassName === "system-node-critical";
}

/**
 * Upstream GetContainerOOMScoreAdjust: node-critical and Guaranteed −997, BestEffort 1000,
 * Burstable 1000 − 1000·memRequest/nodeMemory (integer division) kept within [3, 999]; a sidecar
 * gets no higher a score than the regular container with the smallest memory request.
 */
export function oomScoreAdj(pod: Pod, container: Container, nodeMemoryBytes: number): number {
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClass(pod);
  if (qos === "Guaranteed") return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === "BestEffort") return BESTEFFORT_OOM_SCORE_ADJ;
  const score = (memRequest: number) => 1000 - Math.trunc((1000 * memRequest) / nodeMemoryBytes);
  let adj = score(containerRequests(container).memoryBytes);
  const isSidecar = (pod.spec.initContainers ?? []).some(
    (c) => c.name === container.name && isRestartableInitContainer(c),
  );
  if (isSidecar && pod.spec.containers.length > 0) {
    const minRegular = Math.min(...pod.spec.containers.map((c) => containerRequests(c).memoryBytes));
    adj = Math.min(adj, score(minRegular));
  }
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/**
 * Hosts without CAP_SYS_RESOURCE (or a runtime with restrict_oom_score_adj) cannot apply a value
 * below the current process's own score: raise it to the minimum allowed.
 */
export function clampOomScoreAdj(value: number, minAllowed: number): number {
  return Math.min(1000, Math.max(value, minAllowed));
}
