// Pure naming rules: how a cgroup name given to the manager (the same string the CRI gets as
// cgroup_parent) maps to a directory inside every hierarchy, and how pod cgroups are recognised.

export type CgroupDriver = "cgroupfs" | "systemd";

/** Join the configured cgroup root ("/" or "/nodelet-x") and a relative path. */
export function underRoot(root: string, relative: string): string {
  const base = root.replace(/\/+$/, "");
  const rel = relative.replace(/^\/+/, "");
  if (rel === "") return base === "" ? "/" : base;
  return `${base}/${rel}`;
}

/** systemd slice name → its cgroup path: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" → "/". */
export function expandSystemdSlice(slice: string): string {
  if (!slice.endsWith(".slice") || slice.includes("/"))
    throw new Error(`invalid systemd slice name ${JSON.stringify(slice)}`);
  const name = slice.slice(0, -".slice".length);
  if (name === "-") return "/";
  const parts = name.split("-");
  if (parts.some((p) => p === "")) throw new Error(`invalid systemd slice name ${JSON.stringify(slice)}`);
  let prefix = "";
  let path = "";
  for (const part of parts) {
    prefix = prefix === "" ? part : `${prefix}-${part}`;
    path += `/${prefix}.slice`;
  }
  return path;
}

/**
 * The directory (relative to each hierarchy's mount point) for a cgroup name, always under the root:
 * - an absolute path (`toCgroupfsPath(...)`, `toSystemdPath(...)`, or a path listPodCgroups returned)
 *   is taken as is when it is already under the root, and placed under the root otherwise;
 * - with the systemd driver, a bare slice name ("kubepods-pod<uid>.slice") is expanded first.
 */
export function cgroupDirectory(driver: CgroupDriver, root: string, name: string): string {
  let path: string;
  if (name.startsWith("/")) path = normalize(name);
  else if (driver === "systemd") path = expandSystemdSlice(name);
  else throw new Error(`cgroupfs cgroup path must be absolute, got ${JSON.stringify(name)}`);
  const base = normalize(root);
  if (base === "/" || path === base || path.startsWith(`${base}/`)) return path;
  return underRoot(base, path);
}

function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`cgroup path must not contain "..": ${JSON.stringify(path)}`);
  return `/${parts.join("/")}`;
}

/** The QoS parent directories under the root, outermost first (all exist before any pod cgroup). */
export function qosParentDirectories(driver: CgroupDriver, root: string): string[] {
  if (driver === "systemd") {
    return [
      underRoot(root, "kubepods.slice"),
      underRoot(root, "kubepods.slice/kubepods-burstable.slice"),
      underRoot(root, "kubepods.slice/kubepods-besteffort.slice"),
    ];
  }
  return [
    underRoot(root, "kubepods"),
    underRoot(root, "kubepods/burstable"),
    underRoot(root, "kubepods/besteffort"),
  ];
}

const CGROUPFS_POD = /^pod([0-9a-zA-Z][0-9a-zA-Z-]*)$/;
const SYSTEMD_POD = /^kubepods(?:-burstable|-besteffort)?-pod([0-9a-zA-Z_]+)\.slice$/;

/** The pod UID of a pod cgroup directory's base name, or undefined when it is not one. */
export function podUidFromDirName(driver: CgroupDriver, dirName: string): string | undefined {
  if (driver === "systemd") {
    // systemd forbids "-" inside a unit name component, so upstream writes the UID with "_".
    const m = SYSTEMD_POD.exec(dirName);
    return m?.[1]?.replaceAll("_", "-");
  }
  return CGROUPFS_POD.exec(dirName)?.[1];
}
