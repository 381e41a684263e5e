// secret volumes: one file per key (or per `items` entry) on a tmpfs, kept current with the Secret.
import type { Volume } from "../api/pod.ts";
import type { PodObjects } from "../pod/pod-objects.ts";
import { setUpFilesVolume } from "./files-volume.ts";
import { DEFAULT_FILE_MODE, keyedPayload, secretKeys } from "./projection.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { SECRET_PLUGIN, volumeDir } from "./volume-paths.ts";

export class SecretPlugin implements VolumePlugin {
  readonly name = SECRET_PLUGIN;
  readonly #objects: PodObjects;

  constructor(objects: PodObjects) {
    this.#objects = objects;
  }

  canSupport(volume: Volume): boolean {
    return volume.secret !== undefined;
  }

  async setUp({ pod, podDir, volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const src = volume.secret!;
    const secret = await this.#objects.secret(pod, src.secretName);
    const payload = keyedPayload({
      kind: "secret",
      name: src.secretName,
      keys: secret && secretKeys(secret),
      ...(src.items ? { items: src.items } : {}),
      optional: src.optional === true,
      defaultMode: src.defaultMode ?? DEFAULT_FILE_MODE,
    });
    return setUpFilesVolume(volumeDir(podDir, this.name, volume.name), payload, true);
  }
}
