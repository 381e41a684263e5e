// Which cgroup hierarchies the host has and where they are mounted, read from /proc/self/mountinfo.
// cgroup v1 has one hierarchy per controller (or per joined group such as "cpu,cpuacct"), plus the
// named "name=systemd" hierarchy; "hybrid" hosts also mount an (empty) cgroup2 tree beside them.
// cgroup v2 has one unified tree at /sys/fs/cgroup.
import { readFile } from "node:fs/promises";

export interface CgroupHierarchy {
  mountPoint: string;
  /** Controller names of a v1 hierarchy ("cpu", "cpuacct", "name=systemd", ...); empty for cgroup2. */
  controllers: string[];
}

export interface CgroupLayout {
  version: 1 | 2;
  /** v1: the controller hierarchies (limits are written here). v2: the single unified hierarchy. */
  hierarchies: CgroupHierarchy[];
  /** A v1 host's extra cgroup2 mount ("hybrid"), if any: not used for limits, cleaned on remove. */
  hybridUnified?: string;
}

interface MountinfoEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
  device: string;
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

function parseMountinfoLine(line: string): MountinfoEntry | undefined {
  // "<id> <parent> <major:minor> <root> <mountpoint> <opts> [optional...] - <fstype> <source> <superopts>"
  const sep = line.indexOf(" - ");
  if (sep < 0) return undefined;
  const left = line.slice(0, sep).split(" ");
  const right = line.slice(sep + 3).split(" ");
  const device = left[2];
  const mountPoint = left[4];
  const fsType = right[0];
  if (device === undefined || mountPoint === undefined || fsType === undefined) return undefined;
  return {
    device,
    mountPoint: unescapeMountinfo(mountPoint),
    fsType,
    superOptions: (right[2] ?? "").split(","),
  };
}

const NON_CONTROLLER_OPTIONS = new Set(["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "xattr"]);

/** Pure: the cgroup layout described by the text of /proc/self/mountinfo. */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const v1: CgroupHierarchy[] = [];
  const seenDevices = new Set<string>();
  let unified: string | undefined;
  for (const line of mountinfo.split("\n")) {
    const entry = parseMountinfoLine(line);
    if (entry === undefined) continue;
    if (entry.fsType === "cgroup2") {
      // The first cgroup2 mount wins (bind mounts of it may follow).
      unified ??= entry.mountPoint;
      continue;
    }
    if (entry.fsType !== "cgroup") continue;
    // The same hierarchy can be mounted more than once; keep the first mount of each device.
    if (seenDevices.has(entry.device)) continue;
    seenDevices.add(entry.device);
    const controllers = entry.superOptions.filter(
      (o) => o !== "" && !NON_CONTROLLER_OPTIONS.has(o) && (!o.includes("=") || o.startsWith("name=")),
    );
    if (controllers.length === 0) continue;
    v1.push({ mountPoint: entry.mountPoint, controllers });
  }
  if (v1.length > 0) {
    return unified === undefined
      ? { version: 1, hierarchies: v1 }
      : { version: 1, hierarchies: v1, hybridUnified: unified };
  }
  if (unified !== undefined) return { version: 2, hierarchies: [{ mountPoint: unified, controllers: [] }] };
  throw new Error(
    "no cgroup filesystem is mounted (nothing of type cgroup or cgroup2 in /proc/self/mountinfo)",
  );
}

export async function detectCgroupLayout(mountinfoPath = "/proc/self/mountinfo"): Promise<CgroupLayout> {
  return parseCgroupLayout(await readFile(mountinfoPath, "utf8"));
}

/** The v1 hierarchy that carries `controller`, if mounted. */
export function hierarchyFor(layout: CgroupLayout, controller: string): CgroupHierarchy | undefined {
  return layout.hierarchies.find((h) => h.controllers.includes(controller));
}
