// Creates, limits and removes pod-level cgroups directly through the cgroup filesystem, for
// cgroup v1 (one directory per hierarchy) and v2 (one unified directory). The names it takes are
// the strings the CRI gets as cgroup_parent (see cgroup-names.ts); the values come from
// agent/resources (pure), translated to files by cgroup-values.ts.
//
// Limitation: with the "systemd" driver nodelet does not talk to systemd; it creates the `.slice`
// directories itself under cgroupfs, the layout systemd would create. On a host where systemd runs
// as init, systemd does not know these slices (it neither accounts for them nor protects them from
// its own cgroup clean-up), and runc configured with SystemdCgroup=true would ask systemd for them
// over D-Bus instead. Use the systemd driver only together with a systemd-managed runtime.
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.ts";
import { type CgroupLayout, detectCgroupLayout, hierarchyFor } from "./cgroup-layout.ts";
import {
  type CgroupDriver,
  cgroupDirectory,
  podUidFromDirName,
  qosParentDirectories,
} from "./cgroup-names.ts";
import {
  type CgroupFileWrite,
  type CgroupLimits,
  limitsFromV1Files,
  limitsFromV2Files,
  v1Writes,
  v2Writes,
} from "./cgroup-values.ts";

export interface CgroupManagerOptions {
  driver: CgroupDriver;
  /** Cgroup root all pod cgroups live under: "/" normally, "/nodelet-test-x" in tests. */
  root: string;
  logger: Logger;
  /** Detected from /proc/self/mountinfo when absent (pass one to run on a prepared tree). */
  layout?: CgroupLayout;
  /** How often and how long to retry rmdir on EBUSY (tasks still exiting). */
  removeRetries?: number;
  removeRetryDelayMs?: number;
}

export interface PodCgroup {
  /** The cgroup's directory (under the root), accepted by ensure/update/remove. */
  path: string;
  uid: string;
}

/** v2 controllers nodelet enables for its subtree (those the parent offers). */
const V2_CONTROLLERS = ["cpu", "cpuset", "memory", "pids", "io", "hugetlb"];

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

export class CgroupManager {
  readonly driver: CgroupDriver;
  readonly root: string;
  private readonly logger: Logger;
  private readonly layoutPromise: Promise<CgroupLayout>;
  private qosParents: Promise<void> | undefined;
  private readonly removeRetries: number;
  private readonly removeRetryDelayMs: number;

  constructor(opts: CgroupManagerOptions) {
    this.driver = opts.driver;
    this.root = opts.root;
    this.logger = opts.logger;
    this.layoutPromise = opts.layout !== undefined ? Promise.resolve(opts.layout) : detectCgroupLayout();
    // Avoid an unhandled rejection before the first call; every method awaits it again.
    this.layoutPromise.catch(() => {});
    this.removeRetries = opts.removeRetries ?? 4;
    this.removeRetryDelayMs = opts.removeRetryDelayMs ?? 100;
  }

  layout(): Promise<CgroupLayout> {
    return this.layoutPromise;
  }

  /** The directory (relative to each hierarchy's mount point) a cgroup name resolves to. */
  directory(name: string): string {
    return cgroupDirectory(this.driver, this.root, name);
  }

  /** Create kubepods and its burstable/besteffort children (no limits). Done once per manager. */
  ensureQosParents(): Promise<void> {
    this.qosParents ??= (async () => {
      for (const dir of qosParentDirectories(this.driver, this.root)) await this.create(dir);
    })();
    // A failure must not stick: the next call retries.
    this.qosParents.catch(() => {
      this.qosParents = undefined;
    });
    return this.qosParents;
  }

  /** Create the cgroup (and missing parents) in every hierarchy and apply the limits. */
  async ensure(name: string, limits: CgroupLimits): Promise<void> {
    const dir = this.directory(name);
    await this.ensureQosParents();
    await this.create(dir);
    await this.apply(dir, limits);
  }

  /** Apply new limits to an existing cgroup. */
  async update(name: string, limits: CgroupLimits): Promise<void> {
    const dir = this.directory(name);
    if (!(await this.exists(name))) throw new Error(`cgroup ${dir} does not exist`);
    await this.apply(dir, limits);
  }

  /** True when the cgroup exists in the hierarchies that carry its limits. */
  async exists(name: string): Promise<boolean> {
    const dir = this.directory(name);
    for (const mount of await this.limitMounts()) {
      if (!(await isDirectory(join(mount, dir)))) return false;
    }
    return true;
  }

  /** The limits currently in the cgroup's files. */
  async readLimits(name: string): Promise<CgroupLimits> {
    const dir = this.directory(name);
    const layout = await this.layoutPromise;
    const files: Record<string, string | undefined> = {};
    const writes = layout.version === 1 ? v1Writes({ cpuShares: 0 }) : v2Writes({ cpuShares: 0 });
    for (const w of writes) {
      const mount = this.mountFor(layout, w.controller);
      if (mount !== undefined) files[w.file] = await readOptional(join(mount, dir, w.file));
    }
    if (Object.values(files).every((v) => v === undefined)) throw new Error(`cgroup ${dir} does not exist`);
    return layout.version === 1 ? limitsFromV1Files(files) : limitsFromV2Files(files);
  }

  /**
   * Remove the cgroup from every hierarchy, deepest directories first (runc leaves empty container
   * cgroups behind). A missing cgroup is not an error; EBUSY (tasks still exiting) is retried briefly.
   */
  async remove(name: string): Promise<void> {
    const dir = this.directory(name);
    // Removing the root would rmdir every empty cgroup below it, the host's own included.
    if (dir === cgroupDirectory(this.driver, this.root, "/"))
      throw new Error(`refusing to remove the cgroup root ${dir}`);
    const failures: string[] = [];
    for (const mount of await this.allMounts()) {
      try {
        await this.removeTree(join(mount, dir));
      } catch (err) {
        failures.push(`${join(mount, dir)}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`cannot remove cgroup ${dir}: ${failures.join("; ")}`);
  }

  /** Every pod cgroup under the root (to find orphans after a restart), from any hierarchy. */
  async listPodCgroups(): Promise<PodCgroup[]> {
    const found = new Map<string, PodCgroup>();
    const parents = qosParentDirectories(this.driver, this.root);
    for (const mount of await this.allMounts()) {
      for (const parent of parents) {
        let entries: string[];
        try {
          entries = (await readdir(join(mount, parent), { withFileTypes: true }))
            .filter((e) => e.isDirectory())
            .map((e) => e.name);
        } catch (err) {
          if (errnoCode(err) === "ENOENT") continue;
          throw err;
        }
        for (const entry of entries) {
          const uid = podUidFromDirName(this.driver, entry);
          if (uid === undefined) continue;
          const path = `${parent}/${entry}`;
          found.set(path, { path, uid });
        }
      }
    }
    return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  // ---- internals ----

  private mountFor(layout: CgroupLayout, controller: string): string | undefined {
    if (layout.version === 2) return layout.hierarchies[0]?.mountPoint;
    return hierarchyFor(layout, controller)?.mountPoint;
  }

  private async limitMounts(): Promise<string[]> {
    const layout = await this.layoutPromise;
    const mounts = new Set<string>();
    for (const c of ["cpu", "memory"]) {
      const m = this.mountFor(layout, c);
      if (m !== undefined) mounts.add(m);
    }
    return [...mounts];
  }

  private async allMounts(): Promise<string[]> {
    const layout = await this.layoutPromise;
    const mounts = layout.hierarchies.map((h) => h.mountPoint);
    if (layout.hybridUnified !== undefined) mounts.push(layout.hybridUnified);
    return mounts;
  }

  private async create(dir: string): Promise<void> {
    const layout = await this.layoutPromise;
    const levels = dir.split("/").filter((p) => p !== "");
    for (const h of layout.hierarchies) {
      let current = h.mountPoint;
      for (const level of levels) {
        const parent = current;
        current = join(current, level);
        let created = true;
        try {
          await mkdir(current);
        } catch (err) {
          if (errnoCode(err) !== "EEXIST")
            throw new Error(`cannot create cgroup ${current}: ${(err as Error).message}`);
          created = false;
        }
        if (layout.version === 2) await this.enableV2Controllers(parent);
        else if (created && h.controllers.includes("cpuset")) await this.inheritCpuset(parent, current);
      }
    }
  }

  // A new v1 cpuset cgroup starts with empty cpus/mems and accepts no task until they are set.
  private async inheritCpuset(parent: string, child: string): Promise<void> {
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const own = (await readOptional(join(child, file)))?.trim();
      if (own !== undefined && own !== "") continue;
      const inherited = (await readOptional(join(parent, file)))?.trim();
      if (inherited !== undefined && inherited !== "") await writeFile(join(child, file), inherited);
    }
  }

  private async enableV2Controllers(parent: string): Promise<void> {
    const available = ((await readOptional(join(parent, "cgroup.controllers"))) ?? "").split(/\s+/);
    const enabled = ((await readOptional(join(parent, "cgroup.subtree_control"))) ?? "").split(/\s+/);
    const missing = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c));
    if (missing.length === 0) return;
    try {
      await writeFile(join(parent, "cgroup.subtree_control"), missing.map((c) => `+${c}`).join(" "));
    } catch (err) {
      // EBUSY: the parent holds processes itself ("no internal processes" rule); limits below it
      // cannot be applied for these controllers, which apply() will then report.
      this.logger.warn(
        { cgroup: parent, controllers: missing, err: (err as Error).message },
        "cannot enable cgroup v2 controllers",
      );
    }
  }

  private async apply(dir: string, limits: CgroupLimits): Promise<void> {
    const layout = await this.layoutPromise;
    const writes: CgroupFileWrite[] = layout.version === 1 ? v1Writes(limits) : v2Writes(limits);
    for (const w of writes) {
      const mount = this.mountFor(layout, w.controller);
      if (mount === undefined) {
        if (w.controller !== "pids")
          this.logger.warn({ controller: w.controller }, "cgroup controller not mounted");
        continue;
      }
      const file = join(mount, dir, w.file);
      try {
        await writeFile(file, w.value);
      } catch (err) {
        // pids.max only exists where the pids controller is available; skip it quietly otherwise.
        if (w.controller === "pids" && errnoCode(err) === "ENOENT" && limits.pidsLimit === undefined)
          continue;
        throw new Error(`cannot write ${JSON.stringify(w.value)} to ${file}: ${(err as Error).message}`);
      }
    }
  }

  private async removeTree(path: string): Promise<void> {
    let children: string[];
    try {
      children = (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return;
      throw err;
    }
    for (const child of children) await this.removeTree(join(path, child));
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(path);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === "ENOENT") return;
        if (code !== "EBUSY" || attempt >= this.removeRetries) throw err;
        await sleep(this.removeRetryDelayMs * 2 ** attempt);
      }
    }
  }
}
