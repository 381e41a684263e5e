// Pure translation between pod cgroup limits and cgroup interface files, for v1 and v2.

/** Limits of one cgroup. Undefined quota / memory / pids mean "unlimited"; undefined shares: leave as is. */
export interface CgroupLimits {
  cpuShares?: number;
  /** CFS quota in microseconds per period. */
  cpuQuota?: number;
  /** CFS period in microseconds (default 100000). */
  cpuPeriod?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

/** One write to a cgroup interface file; `controller` names the v1 hierarchy (or v2 controller). */
export interface CgroupFileWrite {
  controller: "cpu" | "memory" | "pids";
  file: string;
  value: string;
}

export const DEFAULT_CPU_PERIOD_US = 100000;

/** cgroup v1 cpu.shares → v2 cpu.weight, the same formula as upstream (runc / kubelet). */
export function cpuSharesToWeight(shares: number): number {
  if (shares <= 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** Approximate inverse of cpuSharesToWeight (exact for the weights it produces, up to rounding). */
export function cpuWeightToShares(weight: number): number {
  if (weight <= 0) return 0;
  return 2 + Math.ceil(((weight - 1) * 262142) / 9999);
}

export function v1Writes(limits: CgroupLimits): CgroupFileWrite[] {
  const writes: CgroupFileWrite[] = [];
  if (limits.cpuShares !== undefined) {
    writes.push({ controller: "cpu", file: "cpu.shares", value: String(limits.cpuShares) });
  }
  // Period before quota: the kernel validates the quota against the current period.
  writes.push({
    controller: "cpu",
    file: "cpu.cfs_period_us",
    value: String(limits.cpuPeriod ?? DEFAULT_CPU_PERIOD_US),
  });
  writes.push({ controller: "cpu", file: "cpu.cfs_quota_us", value: String(limits.cpuQuota ?? -1) });
  writes.push({
    controller: "memory",
    file: "memory.limit_in_bytes",
    value: String(limits.memoryLimitBytes ?? -1),
  });
  writes.push({
    controller: "pids",
    file: "pids.max",
    value: limits.pidsLimit === undefined ? "max" : String(limits.pidsLimit),
  });
  return writes;
}

export function v2Writes(limits: CgroupLimits): CgroupFileWrite[] {
  const writes: CgroupFileWrite[] = [];
  if (limits.cpuShares !== undefined) {
    writes.push({
      controller: "cpu",
      file: "cpu.weight",
      value: String(cpuSharesToWeight(limits.cpuShares)),
    });
  }
  const quota = limits.cpuQuota === undefined ? "max" : String(limits.cpuQuota);
  writes.push({
    controller: "cpu",
    file: "cpu.max",
    value: `${quota} ${limits.cpuPeriod ?? DEFAULT_CPU_PERIOD_US}`,
  });
  writes.push({
    controller: "memory",
    file: "memory.max",
    value: limits.memoryLimitBytes === undefined ? "max" : String(limits.memoryLimitBytes),
  });
  writes.push({
    controller: "pids",
    file: "pids.max",
    value: limits.pidsLimit === undefined ? "max" : String(limits.pidsLimit),
  });
  return writes;
}

// v1 reports "no memory limit" as the page-rounded maximum (9223372036854771712 with 4 KiB pages).
const V1_UNLIMITED_THRESHOLD = 2 ** 62;

function parseLimitNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === "" || t === "max" || t === "-1") return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n >= V1_UNLIMITED_THRESHOLD) return undefined;
  return n;
}

/** Limits from the contents of v1 files (file name → content; missing files are simply absent). */
export function limitsFromV1Files(files: Record<string, string | undefined>): CgroupLimits {
  const out: CgroupLimits = {};
  const shares = parseLimitNumber(files["cpu.shares"]);
  if (shares !== undefined) out.cpuShares = shares;
  const quota = parseLimitNumber(files["cpu.cfs_quota_us"]);
  if (quota !== undefined) out.cpuQuota = quota;
  const period = parseLimitNumber(files["cpu.cfs_period_us"]);
  if (period !== undefined) out.cpuPeriod = period;
  const memory = parseLimitNumber(files["memory.limit_in_bytes"]);
  if (memory !== undefined) out.memoryLimitBytes = memory;
  const pids = parseLimitNumber(files["pids.max"]);
  if (pids !== undefined) out.pidsLimit = pids;
  return out;
}

/** Limits from the contents of v2 files; cpu.weight is converted back to (approximate) shares. */
export function limitsFromV2Files(files: Record<string, string | undefined>): CgroupLimits {
  const out: CgroupLimits = {};
  const weight = parseLimitNumber(files["cpu.weight"]);
  if (weight !== undefined) out.cpuShares = cpuWeightToShares(weight);
  const cpuMax = files["cpu.max"]?.trim().split(/\s+/);
  if (cpuMax !== undefined) {
    const quota = parseLimitNumber(cpuMax[0]);
    if (quota !== undefined) out.cpuQuota = quota;
    const period = parseLimitNumber(cpuMax[1]);
    if (period !== undefined) out.cpuPeriod = period;
  }
  const memory = parseLimitNumber(files["memory.max"]);
  if (memory !== undefined) out.memoryLimitBytes = memory;
  const pids = parseLimitNumber(files["pids.max"]);
  if (pids !== undefined) out.pidsLimit = pids;
  return out;
}
