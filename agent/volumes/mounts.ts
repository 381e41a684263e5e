// Host mounts made by the volume layer (tmpfs for memory-backed emptyDirs): listing them from
// /proc/self/mountinfo, mounting and unmounting with mount(8)/umount(8).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** Per-superblock options, e.g. ["rw", "size=65536k"]. */
  superOptions: string[];
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Pure: the mounts listed in a mountinfo text. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(" ")[4];
    const [fsType, , superOptions] = line.slice(sep + 3).split(" ");
    if (mountPoint === undefined || fsType === undefined) continue;
    out.push({
      mountPoint: unescapeOctal(mountPoint),
      fsType,
      superOptions: (superOptions ?? "").split(","),
    });
  }
  return out;
}

export async function listMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile("/proc/self/mountinfo", "utf8"));
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(mounts: MountEntry[], dir: string): MountEntry[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return mounts
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

export async function mountTmpfs(target: string, options: string[]): Promise<void> {
  const args = ["-t", "tmpfs"];
  if (options.length > 0) args.push("-o", options.join(","));
  args.push("tmpfs", target);
  try {
    await run("mount", args);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`mount tmpfs on ${target} failed: ${stderr || (err as Error).message}`);
  }
}

export async function unmount(target: string): Promise<void> {
  try {
    await run("umount", [target]);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`umount ${target} failed: ${stderr || (err as Error).message}`);
  }
}
