// downwardAPI volumes: pod metadata (name, namespace, uid, labels, annotations) and container
// resources as files; labels and annotations follow the pod as it changes. Needs no API server.
import type { Volume } from "../api/pod.ts";
import type { EnvContext } from "../container/env.ts";
import { setUpFilesVolume } from "./files-volume.ts";
import { DEFAULT_FILE_MODE, downwardAPIPayload } from "./projection.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { DOWNWARD_API_PLUGIN, volumeDir } from "./volume-paths.ts";

export class DownwardAPIPlugin implements VolumePlugin {
  readonly name = DOWNWARD_API_PLUGIN;
  readonly #allocatable: EnvContext["nodeAllocatable"];

  /** `nodeAllocatable`: what limits.* read as when a container sets no limit. */
  constructor(nodeAllocatable?: EnvContext["nodeAllocatable"]) {
    this.#allocatable = nodeAllocatable;
  }

  canSupport(volume: Volume): boolean {
    return volume.downwardAPI !== undefined;
  }

  async setUp({ pod, podDir, volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const src = volume.downwardAPI!;
    const payload = downwardAPIPayload(
      pod,
      src.items ?? [],
      src.defaultMode ?? DEFAULT_FILE_MODE,
      this.#allocatable,
    );
    return setUpFilesVolume(volumeDir(podDir, this.name, volume.name), payload, false);
  }
}
