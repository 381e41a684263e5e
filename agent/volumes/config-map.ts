// configMap volumes: one file per key (or per `items` entry), kept current with the ConfigMap.
import type { Volume } from "../api/pod.ts";
import type { PodObjects } from "../pod/pod-objects.ts";
import { setUpFilesVolume } from "./files-volume.ts";
import { configMapKeys, DEFAULT_FILE_MODE, keyedPayload } from "./projection.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { CONFIG_MAP_PLUGIN, volumeDir } from "./volume-paths.ts";

export class ConfigMapPlugin implements VolumePlugin {
  readonly name = CONFIG_MAP_PLUGIN;
  readonly #objects: PodObjects;

  constructor(objects: PodObjects) {
    this.#objects = objects;
  }

  canSupport(volume: Volume): boolean {
    return volume.configMap !== undefined;
  }

  async setUp({ pod, podDir, volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const src = volume.configMap!;
    const cm = await this.#objects.configMap(pod, src.name);
    const payload = keyedPayload({
      kind: "configmap",
      name: src.name,
      keys: cm && configMapKeys(cm),
      ...(src.items ? { items: src.items } : {}),
      optional: src.optional === true,
      defaultMode: src.defaultMode ?? DEFAULT_FILE_MODE,
    });
    return setUpFilesVolume(volumeDir(podDir, this.name, volume.name), payload, false);
  }
}
