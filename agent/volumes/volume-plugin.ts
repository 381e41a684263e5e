// One kind of volume (emptyDir, hostPath, ...): how it is prepared on the host for one pod.
import type { Pod, Volume } from "../api/pod.ts";

export interface VolumeSetUpContext {
  pod: Pod;
  podDir: string;
  volume: Volume;
}

/** Where the volume is on the host, and whether containers may only read it. */
export interface PreparedVolume {
  hostPath: string;
  readOnly: boolean;
}

export interface VolumePlugin {
  /** e.g. "kubernetes.io/empty-dir" */
  readonly name: string;
  canSupport(volume: Volume): boolean;
  /** Must be idempotent: a second call for a pod whose volume exists keeps its data. */
  setUp(ctx: VolumeSetUpContext): Promise<PreparedVolume>;
}
