// The volume layer as the pod syncer sees it: the manager (per-pod volumes) and the mounter
// (what each container gets mounted).
import type { Logger } from "../log.ts";
import type { PodVolumes, VolumeMounter } from "../pod/ports.ts";
import { PodVolumeMounter } from "./pod-volume-mounter.ts";
import { VolumeManager } from "./volume-manager.ts";

export function podVolumes(
  rootDir: string,
  clusterDomain: string,
  logger: Logger,
): { manager: PodVolumes; mounter: VolumeMounter } {
  return {
    manager: new VolumeManager({ rootDir, logger }),
    mounter: new PodVolumeMounter({ rootDir, clusterDomain }),
  };
}
