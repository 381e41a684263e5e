// emptyDir: a directory in the pod's directory, world-writable (any container user may write);
// medium "Memory" mounts a tmpfs there, bounded by sizeLimit when one is given.
// Without sizeLimit the tmpfs gets the kernel default (half of RAM); upstream sizes it from the
// pod's memory limit or node allocatable instead — not done here.
import { chmod, mkdir } from "node:fs/promises";
import type { Volume } from "../api/pod.ts";
import { parseQuantity } from "../resources/quantity.ts";
import { listMounts, mountTmpfs } from "./mounts.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { EMPTY_DIR_PLUGIN, volumeDir } from "./volume-paths.ts";

const EMPTY_DIR_MODE = 0o777;

/** Pure: tmpfs mount options for a memory-backed emptyDir. */
export function tmpfsOptions(volume: Volume): string[] {
  const limit = volume.emptyDir?.sizeLimit;
  if (limit === undefined || limit === "") return [];
  let bytes: number;
  try {
    bytes = parseQuantity(limit).value();
  } catch (err) {
    throw new Error(`invalid sizeLimit ${JSON.stringify(limit)}: ${(err as Error).message}`);
  }
  if (bytes <= 0) throw new Error(`sizeLimit must be positive, got ${JSON.stringify(limit)}`);
  return [`size=${bytes}`];
}

export class EmptyDirPlugin implements VolumePlugin {
  readonly name = EMPTY_DIR_PLUGIN;

  canSupport(volume: Volume): boolean {
    return volume.emptyDir !== undefined;
  }

  async setUp({ podDir, volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const dir = volumeDir(podDir, this.name, volume.name);
    await mkdir(dir, { recursive: true });
    if (volume.emptyDir?.medium === "Memory") {
      const options = tmpfsOptions(volume);
      const mounted = (await listMounts()).some((m) => m.mountPoint === dir);
      if (!mounted) await mountTmpfs(dir, options);
    } else if (volume.emptyDir?.medium !== undefined && volume.emptyDir.medium !== "") {
      throw new Error(`unsupported emptyDir medium ${JSON.stringify(volume.emptyDir.medium)}`);
    }
    // mkdir is subject to the umask and a fresh tmpfs root is 1777: set the mode explicitly.
    await chmod(dir, EMPTY_DIR_MODE);
    return { hostPath: dir, readOnly: false };
  }
}
