// Host facts for the Node object, read straight from /proc, /sys, /etc and statfs(2): a few small
// files, no child processes and no extra dependency (systeminformation would add ~10–18 MiB of
// RSS and spawn helper processes for the same facts).
import { readdir, readFile, statfs } from "node:fs/promises";
import { cpus, release } from "node:os";
import { dirname } from "node:path";
import type { NodeSignals } from "./conditions.ts";
import { bytesQuantity, type MachineCapacity } from "./resources.ts";

export interface HostInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
}

async function readTrimmed(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return "";
  }
}

/** PRETTY_NAME from an os-release file ("Debian GNU/Linux 12 (bookworm)"). */
export function osReleasePrettyName(text: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m) return "Linux";
  const raw = m[1]!.trim();
  const quoted = /^(["'])(.*)\1$/.exec(raw);
  return (quoted ? quoted[2]! : raw).replace(/\\(.)/g, "$1");
}

export async function readHostInfo(): Promise<HostInfo> {
  const osRelease = (await readTrimmed("/etc/os-release")) || (await readTrimmed("/usr/lib/os-release"));
  return {
    machineID: await readTrimmed("/etc/machine-id"),
    systemUUID: await readTrimmed("/sys/class/dmi/id/product_uuid"),
    bootID: await readTrimmed("/proc/sys/kernel/random/boot_id"),
    kernelVersion: release(),
    osImage: osReleasePrettyName(osRelease),
  };
}

/** Value of a /proc/meminfo line in bytes ("MemAvailable:  123456 kB"). */
export function meminfoBytes(text: string, field: string): number | undefined {
  const name = field.replace(/[()]/g, "\\$&"); // Inactive(file) and the like
  const m = new RegExp(`^${name}:\\s+(\\d+)(?:\\s+kB)?$`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** statfs of the nearest existing directory (the root dir may not exist yet). */
async function statfsNearest(path: string) {
  let p = path;
  for (;;) {
    try {
      return await statfs(p);
    } catch (err) {
      const parent = dirname(p);
      if (parent === p) throw err;
      p = parent;
    }
  }
}

async function hugepages(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let dirs: string[];
  try {
    dirs = await readdir("/sys/kernel/mm/hugepages");
  } catch {
    return out;
  }
  for (const d of dirs) {
    const m = /^hugepages-(\d+)kB$/.exec(d);
    if (!m) continue;
    const pageBytes = Number(m[1]) * 1024;
    const count = Number.parseInt(await readTrimmed(`/sys/kernel/mm/hugepages/${d}/nr_hugepages`), 10) || 0;
    out[bytesQuantity(pageBytes)] = count * pageBytes;
  }
  return out;
}

export async function readMachineCapacity(rootDir: string): Promise<MachineCapacity> {
  const meminfo = await readTrimmed("/proc/meminfo");
  const fs = await statfsNearest(rootDir);
  return {
    milliCPU: cpus().length * 1000,
    memoryBytes: meminfoBytes(meminfo, "MemTotal") ?? 0,
    ephemeralStorageBytes: fs.blocks * fs.bsize,
    hugepages: await hugepages(),
  };
}

/** Total tasks from /proc/loadavg's "running/total" field (sysinfo truncates past 65535). */
export function loadavgTasks(text: string): number | undefined {
  const m = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function readSignals(rootDir: string): Promise<NodeSignals> {
  const signals: NodeSignals = {};
  const meminfo = await readTrimmed("/proc/meminfo");
  const available = meminfoBytes(meminfo, "MemAvailable");
  const total = meminfoBytes(meminfo, "MemTotal");
  if (available !== undefined && total !== undefined)
    signals.memory = { availableBytes: available, capacityBytes: total };
  try {
    const fs = await statfsNearest(rootDir);
    signals.nodefs = {
      availableBytes: fs.bavail * fs.bsize,
      capacityBytes: fs.blocks * fs.bsize,
      inodesFree: fs.ffree,
      inodes: fs.files,
    };
  } catch {
    // no signal: never pressure
  }
  // kernel.pid_max and kernel.threads-max both cap the number of tasks (upstream takes the lower)
  const limits = [
    await readTrimmed("/proc/sys/kernel/pid_max"),
    await readTrimmed("/proc/sys/kernel/threads-max"),
  ]
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => n > 0);
  const running = loadavgTasks(await readTrimmed("/proc/loadavg"));
  if (limits.length > 0 && running !== undefined) signals.pids = { max: Math.min(...limits), running };
  return signals;
}
