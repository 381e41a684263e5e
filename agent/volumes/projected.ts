// projected volumes: configMap, secret, downwardAPI and serviceAccountToken sources merged into one
// directory on a tmpfs — among them the kube-api-access-* volume (token, ca.crt, namespace) the
// ServiceAccount admission plugin adds to every pod.
import type { VolumeProjection } from "../api/config-objects.ts";
import type { Pod, Volume } from "../api/pod.ts";
import type { EnvContext } from "../container/env.ts";
import type { PodObjects } from "../pod/pod-objects.ts";
import { setUpFilesVolume } from "./files-volume.ts";
import {
  configMapKeys,
  DEFAULT_FILE_MODE,
  downwardAPIPayload,
  keyedPayload,
  type Payload,
  secretKeys,
} from "./projection.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { PROJECTED_PLUGIN, volumeDir } from "./volume-paths.ts";

/** Upstream API default of serviceAccountToken.expirationSeconds. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

export class ProjectedPlugin implements VolumePlugin {
  readonly name = PROJECTED_PLUGIN;
  readonly #objects: PodObjects;
  readonly #allocatable: EnvContext["nodeAllocatable"];

  constructor(objects: PodObjects, nodeAllocatable?: EnvContext["nodeAllocatable"]) {
    this.#objects = objects;
    this.#allocatable = nodeAllocatable;
  }

  canSupport(volume: Volume): boolean {
    return volume.projected !== undefined;
  }

  async setUp({ pod, podDir, volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const src = volume.projected!;
    const defaultMode = src.defaultMode ?? DEFAULT_FILE_MODE;
    const payload: Payload = new Map();
    const errors: string[] = [];
    for (const source of src.sources ?? []) {
      try {
        for (const [path, file] of await this.#source(pod, source, defaultMode)) payload.set(path, file);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(errors.join("; "));
    return setUpFilesVolume(volumeDir(podDir, this.name, volume.name), payload, true);
  }

  async #source(pod: Pod, source: VolumeProjection, defaultMode: number): Promise<Payload> {
    if (source.configMap) {
      const s = source.configMap;
      const cm = await this.#objects.configMap(pod, s.name);
      return keyedPayload({
        kind: "configmap",
        name: s.name,
        keys: cm && configMapKeys(cm),
        ...(s.items ? { items: s.items } : {}),
        optional: s.optional === true,
        defaultMode,
      });
    }
    if (source.secret) {
      const s = source.secret;
      const secret = await this.#objects.secret(pod, s.name);
      return keyedPayload({
        kind: "secret",
        name: s.name,
        keys: secret && secretKeys(secret),
        ...(s.items ? { items: s.items } : {}),
        optional: s.optional === true,
        defaultMode,
      });
    }
    if (source.downwardAPI)
      return downwardAPIPayload(pod, source.downwardAPI.items ?? [], defaultMode, this.#allocatable);
    if (source.serviceAccountToken) {
      const t = source.serviceAccountToken;
      const token = await this.#objects.serviceAccountToken(pod, {
        serviceAccountName: pod.spec.serviceAccountName || pod.spec.serviceAccount || "default",
        audience: t.audience ?? "",
        expirationSeconds: t.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS,
      });
      return new Map([[t.path, { data: Buffer.from(token, "utf8"), mode: defaultMode }]]);
    }
    if (source.clusterTrustBundle) throw new Error("clusterTrustBundle projections are not supported");
    return new Map();
  }
}
