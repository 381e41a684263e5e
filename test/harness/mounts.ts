// Mount points below a directory, and unmounting them (synchronous: used by cleanup).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { unescapeMountPath } from "./cgroups.ts";

/** Mount points strictly below dir, in /proc/self/mountinfo order (parents before children). */
export function mountsUnder(dir: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const result: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (!field) continue;
    const mountPoint = unescapeMountPath(field);
    if (mountPoint.startsWith(prefix)) result.push(mountPoint);
  }
  return result;
}

/** Lazily unmounts everything below dir, children first. Returns what is still mounted. */
export function unmountAllUnder(dir: string): string[] {
  for (let round = 0; round < 3; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return [];
    // A path can be mounted several times (stacked); `umount -l` once per occurrence.
    spawnSync("umount", ["--lazy", ...mounts.reverse()], { stdio: "ignore" });
  }
  return mountsUnder(dir);
}
