// The node's own CPU and memory figures for /metrics/resource, from /proc (what cAdvisor reports for
// the root cgroup): CPU = all non-idle time, working set = memory in use less the inactive file cache
// (pages the kernel can drop without writing anything back).
import { readFile } from "node:fs/promises";
import { meminfoBytes } from "../cluster/node/host-facts.ts";

/** Clock ticks per second of /proc/stat (USER_HZ): 100 on every Linux architecture nodes run. */
const USER_HZ = 100;

/** Working set = usage − inactive_file, never below zero (the two are read at different moments). */
export function workingSetBytes(usageBytes: number, inactiveFileBytes: number): number {
  return Math.max(0, usageBytes - inactiveFileBytes);
}

/** Pure: the node's cumulative CPU seconds from the aggregate "cpu" line of /proc/stat. */
export function cpuSecondsFromProcStat(text: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
  return Number.isFinite(busy) ? busy / USER_HZ : undefined;
}

/** Pure: the node's working set from /proc/meminfo (usage = MemTotal − MemFree). */
export function workingSetFromMeminfo(text: string): number | undefined {
  const total = meminfoBytes(text, "MemTotal");
  const free = meminfoBytes(text, "MemFree");
  const inactiveFile = meminfoBytes(text, "Inactive(file)");
  if (total === undefined || free === undefined || inactiveFile === undefined) return undefined;
  return workingSetBytes(total - free, inactiveFile);
}

export interface NodeUsage {
  cpuSeconds: number;
  workingSetBytes: number;
  timestampMs: number;
}

export async function readNodeUsage(procDir = "/proc"): Promise<NodeUsage> {
  const [stat, meminfo] = await Promise.all([
    readFile(`${procDir}/stat`, "utf8"),
    readFile(`${procDir}/meminfo`, "utf8"),
  ]);
  const cpuSeconds = cpuSecondsFromProcStat(stat);
  const workingSet = workingSetFromMeminfo(meminfo);
  if (cpuSeconds === undefined) throw new Error(`${procDir}/stat has no aggregate cpu line`);
  if (workingSet === undefined)
    throw new Error(`${procDir}/meminfo lacks MemTotal, MemFree or Inactive(file)`);
  return { cpuSeconds, workingSetBytes: workingSet, timestampMs: Date.now() };
}
