// Facts about this host that pod decisions need: address, capacity, what the kernel lets us set.
import { readFile } from "node:fs/promises";
import { cpus, networkInterfaces, totalmem } from "node:os";

export function detectHostIP(preferred: string): string {
  if (preferred) return preferred;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

export function nodeCapacity(): { milliCPU: number; memoryBytes: number } {
  return { milliCPU: cpus().length * 1000, memoryBytes: totalmem() };
}

const CAP_SYS_RESOURCE = 24n;

/**
 * The lowest oom_score_adj containers can get here. Without CAP_SYS_RESOURCE nobody below us can go
 * under our own score (runc fails outright when asked to), so negative values are raised to it.
 */
export async function minimumOomScoreAdj(): Promise<number> {
  try {
    const status = await readFile("/proc/self/status", "utf8");
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (capEff && (BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) return -1000;
    return Number.parseInt((await readFile("/proc/self/oom_score_adj", "utf8")).trim(), 10) || 0;
  } catch {
    return 0;
  }
}

export async function swapEnabled(): Promise<boolean> {
  try {
    const swaps = (await readFile("/proc/swaps", "utf8")).trim().split("\n");
    return swaps.length > 1;
  } catch {
    return false;
  }
}
