// The volume layer as the pod syncer sees it: the manager (per-pod volumes) and the mounter
// (what each container gets mounted).
import type { EnvContext } from "../container/env.ts";
import type { Logger } from "../log.ts";
import { type PodObjects, StandaloneObjects } from "../pod/pod-objects.ts";
import type { PodVolumes, VolumeMounter } from "../pod/ports.ts";
import { ConfigMapPlugin } from "./config-map.ts";
import { DownwardAPIPlugin } from "./downward-api.ts";
import { EmptyDirPlugin } from "./empty-dir.ts";
import { HostPathPlugin } from "./host-path.ts";
import { PodVolumeMounter } from "./pod-volume-mounter.ts";
import { ProjectedPlugin } from "./projected.ts";
import { SecretPlugin } from "./secret.ts";
import type { VolumePlugin } from "./volume-plugin.ts";
import { VolumeManager } from "./volume-manager.ts";

export interface PodVolumesOptions {
  /** ConfigMaps, Secrets and tokens from the API server; standalone: none (those volumes fail clearly). */
  objects?: PodObjects;
  /** For downwardAPI limits.* of containers without a limit. */
  nodeAllocatable?: EnvContext["nodeAllocatable"];
}

export function volumePlugins(opts: PodVolumesOptions = {}): VolumePlugin[] {
  const objects = opts.objects ?? new StandaloneObjects();
  return [
    new EmptyDirPlugin(),
    new HostPathPlugin(),
    new ConfigMapPlugin(objects),
    new SecretPlugin(objects),
    new DownwardAPIPlugin(opts.nodeAllocatable),
    new ProjectedPlugin(objects, opts.nodeAllocatable),
  ];
}

export function podVolumes(
  rootDir: string,
  clusterDomain: string,
  logger: Logger,
  opts: PodVolumesOptions = {},
): { manager: PodVolumes; mounter: VolumeMounter } {
  return {
    manager: new VolumeManager({ rootDir, logger, plugins: volumePlugins(opts) }),
    mounter: new PodVolumeMounter({ rootDir, clusterDomain }),
  };
}
