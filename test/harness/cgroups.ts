// Finding and removing a cgroup subtree in every mounted hierarchy (cgroup v1 controllers,
// the named systemd hierarchy and the unified cgroup2 mount). Synchronous: used by cleanup.
import { type Dirent, existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { sleepSync } from "./processes.ts";

/** Mount points of all cgroup and cgroup2 filesystems, from /proc/self/mountinfo. */
export function cgroupMountPoints(mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const points = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(" ")[0];
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const mountPoint = line.slice(0, sep).split(" ")[4];
    if (mountPoint) points.add(unescapeMountPath(mountPoint));
  }
  return [...points];
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
export function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

function assertSubtreePath(relPath: string): void {
  if (!relPath.startsWith("/") || relPath === "/" || relPath.split("/").includes("..")) {
    throw new Error(`refusing to touch cgroup path ${JSON.stringify(relPath)}`);
  }
}

/** Directories of the subtree, deepest first. */
function subtreeDirs(root: string): string[] {
  const dirs: string[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    dirs.push(dir);
  };
  walk(root);
  return dirs;
}

/** Every pid in the subtree at relPath, across all hierarchies. */
export function cgroupSubtreePids(relPath: string, mountPoints = cgroupMountPoints()): Set<number> {
  assertSubtreePath(relPath);
  const pids = new Set<number>();
  for (const mp of mountPoints) {
    for (const dir of subtreeDirs(join(mp, relPath))) {
      try {
        for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
          if (line) pids.add(Number(line));
        }
      } catch {
        // removed meanwhile
      }
    }
  }
  return pids;
}

/**
 * Removes the subtree at relPath (e.g. "/nodelet-test-ab12cd") in every hierarchy, children
 * first. Processes must already be dead; retries EBUSY for a while since a killed task leaves
 * its cgroup asynchronously. Returns the directories that could not be removed.
 */
export function removeCgroupSubtree(
  relPath: string,
  timeoutMs = 3000,
  mountPoints = cgroupMountPoints(),
): string[] {
  assertSubtreePath(relPath);
  const deadline = Date.now() + timeoutMs;
  const failed: string[] = [];
  for (const mp of mountPoints) {
    for (const dir of subtreeDirs(join(mp, relPath))) {
      for (;;) {
        try {
          rmdirSync(dir);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") break;
          if (code === "EBUSY" && Date.now() < deadline) {
            sleepSync(20);
            continue;
          }
          if (existsSync(dir)) failed.push(`${dir}: ${code}`);
          break;
        }
      }
    }
  }
  return failed;
}
