// Sets up and tears down the volumes of pods on this node (the directories and mounts under
// <rootDir>/pods/<uid>). Which kinds are supported is the list of plugins it is given.
import { mkdir, readdir, rm } from "node:fs/promises";
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import { EmptyDirPlugin } from "./empty-dir.ts";
import { HostPathPlugin } from "./host-path.ts";
import { listMounts, mountsUnder, unmount } from "./mounts.ts";
import type { PreparedVolume, VolumePlugin } from "./volume-plugin.ts";
import { podDir, podsDir } from "./volume-paths.ts";

export interface VolumeManagerOptions {
  rootDir: string;
  logger: Logger;
  /** Defaults to emptyDir and hostPath; later kinds are added here. */
  plugins?: VolumePlugin[];
}

export class VolumeManager {
  private readonly rootDir: string;
  private readonly logger: Logger;
  private readonly plugins: VolumePlugin[];

  constructor(opts: VolumeManagerOptions) {
    this.rootDir = opts.rootDir;
    this.logger = opts.logger;
    this.plugins = opts.plugins ?? [new EmptyDirPlugin(), new HostPathPlugin()];
  }

  podDir(podUid: string): string {
    return podDir(this.rootDir, podUid);
  }

  /**
   * Prepares every volume of the pod; returns volume name → host path. Idempotent: existing
   * volumes keep their contents. Fails with one error naming each volume that could not be set up.
   */
  async setUp(pod: Pod): Promise<Map<string, PreparedVolume>> {
    const uid = pod.metadata.uid ?? "";
    const dir = this.podDir(uid);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const result = new Map<string, PreparedVolume>();
    const failures: string[] = [];
    for (const volume of pod.spec.volumes ?? []) {
      const plugin = this.plugins.find((p) => p.canSupport(volume));
      if (plugin === undefined) {
        failures.push(`volume ${JSON.stringify(volume.name)}: unsupported volume type`);
        continue;
      }
      try {
        result.set(volume.name, await plugin.setUp({ pod, podDir: dir, volume }));
      } catch (err) {
        failures.push(`volume ${JSON.stringify(volume.name)}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) {
      const podRef = `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? uid}`;
      throw new Error(`cannot set up volumes of pod ${podRef}: ${failures.join("; ")}`);
    }
    return result;
  }

  /** Unmounts what was mounted below the pod's directory, then deletes it. Missing dir: no-op. */
  async tearDown(podUid: string): Promise<void> {
    const dir = this.podDir(podUid);
    for (const m of mountsUnder(await listMounts(), dir)) {
      await unmount(m.mountPoint);
      this.logger.debug({ podUid, mountPoint: m.mountPoint }, "unmounted pod volume");
    }
    // Never recurse into something still mounted (it would delete data that is not the pod's).
    const left = mountsUnder(await listMounts(), dir);
    if (left.length > 0) {
      throw new Error(
        `pod ${podUid}: still mounted after unmount: ${left.map((m) => m.mountPoint).join(", ")}`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** UIDs of the pods that have a directory (to find orphans after a restart). */
  async listPodDirs(): Promise<string[]> {
    try {
      return (await readdir(podsDir(this.rootDir), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }
}
