// Named network namespaces (`ip netns`) and running programs inside them.
//
// Programs are entered with `nsenter --net=/run/netns/NAME`, NOT `ip netns exec NAME`:
// `ip netns exec` also unshares the mount namespace and remounts /sys, which hides
// /sys/fs/cgroup (so runc and the agent could not see cgroups) and keeps every mount made
// inside (container rootfs, pod netns) invisible to the host. nsenter changes only the
// network namespace.
import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function netnsPath(ns: string): string {
  return `/run/netns/${ns}`;
}

export function netnsExists(ns: string): boolean {
  return existsSync(netnsPath(ns));
}

/** Inode of the namespace, as shown in /proc/PID/ns/net ("net:[INODE]"); undefined if absent. */
export function netnsInode(ns: string): number | undefined {
  try {
    return statSync(netnsPath(ns)).ino;
  } catch {
    return undefined;
  }
}

/** Creates the namespace with `lo` up. Throws if it already exists. */
export function createNetns(ns: string): void {
  if (netnsExists(ns)) throw new Error(`network namespace ${ns} already exists`);
  execFileSync("ip", ["netns", "add", ns], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    deleteNetns(ns);
    throw err;
  }
}

/** Deletes the namespace if it exists (idempotent). */
export function deleteNetns(ns: string): void {
  if (!netnsExists(ns)) return;
  execFileSync("ip", ["netns", "delete", ns], { stdio: ["ignore", "ignore", "pipe"] });
}

function nsenterArgv(ns: string, argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error("empty argv");
  return [`--net=${netnsPath(ns)}`, "--", ...argv];
}

/** Runs argv inside the namespace and collects its output; never throws on a non-zero exit. */
export function execInNetns(
  ns: string,
  argv: readonly string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "nsenter",
      nsenterArgv(ns, argv),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number" && !err.killed && err.signal == null) {
          reject(err);
          return;
        }
        const code = err ? (typeof err.code === "number" ? err.code : 128) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Spawns argv inside the namespace (nsenter execs it, so the child's pid is the program's). */
export function spawnInNetns(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn("nsenter", nsenterArgv(ns, argv), opts);
}
