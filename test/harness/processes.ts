// Synchronous /proc scanning and killing, for cleanup code that must also run in a
// process 'exit' handler (where nothing asynchronous runs any more).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** One-letter state from /proc/PID/stat ("Z" = zombie). */
  state: string;
  argv: string[];
  /** Inode of the process's network namespace, if readable. */
  netnsInode: number | undefined;
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "PID (comm) S PPID ..." where comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "?", ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function readNetnsInode(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readStat(pid);
    if (!stat) continue;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    } catch {
      // the process is gone
    }
    out.push({ pid, ppid: stat.ppid, state: stat.state, argv, netnsInode: readNetnsInode(pid) });
  }
  return out;
}

/** Alive = exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/** The roots plus every process below them in the parent tree. */
export function withDescendants(procs: readonly ProcInfo[], roots: Iterable<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const result = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (result.has(pid)) continue;
    result.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return result;
}

/** SIGKILLs the processes and waits until they are gone; returns those still alive. */
export function killAndWait(pids: Iterable<number>, timeoutMs = 5000): number[] {
  const targets = [...pids].filter((pid) => pid !== process.pid && pid > 1);
  for (const pid of targets) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  let alive = targets.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    sleepSync(10);
    alive = alive.filter(isAlive);
  }
  return alive;
}
