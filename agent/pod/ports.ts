// The small interfaces the pod syncer needs from its collaborators. Each is satisfied by a real
// module (cgroup manager, volume manager, probe manager, back-off); tests of pure parts need none.
import type { Container, LifecycleHandler, Pod } from "../api/pod.ts";
import type { Mount } from "../../cri/runtime.ts";
import type { ProbeTarget } from "../../probes/types.ts";

export interface PodCgroups {
  ensure(
    name: string,
    limits: { cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; memoryLimitBytes?: number },
  ): Promise<void>;
  remove(name: string): Promise<void>;
  listPodCgroups(): Promise<{ path: string; uid: string }[]>;
}

export interface PodVolumes {
  /** Creates the pod's volumes (idempotent); returns the host path of each by name. */
  setUp(pod: Pod): Promise<Map<string, { hostPath: string; readOnly: boolean }>>;
  tearDown(podUid: string): Promise<void>;
  podDir(podUid: string): string;
  listPodDirs(): Promise<string[]>;
}

/** One container instance as the probes and lifecycle hooks see it. */
export type ContainerProbeTarget = ProbeTarget;

export interface ContainerProbes {
  addContainer(t: ContainerProbeTarget): void;
  removeContainer(containerId: string): void;
  removePod(podUid: string): void;
  /** A terminating pod keeps only its readiness probes (as upstream). */
  stopLivenessAndStartup(podUid: string): void;
  isReady(containerId: string): boolean;
  isStarted(containerId: string): boolean;
}

export interface HookRunner {
  /** Runs a lifecycle handler against a container; rejects with the reason on failure. */
  run(handler: LifecycleHandler, target: ContainerProbeTarget, timeoutMs: number): Promise<void>;
}

/** Crash-loop / image-pull back-off keyed by a stable string, time passed in (ms). */
export interface BackoffPolicy {
  /** Crash loops: still waiting, counted from the container's finish time. */
  isInBackoffSince(key: string, eventMs: number, nowMs: number): boolean;
  /** Image pulls: still waiting, counted from the last failed attempt. */
  isInBackoffSinceUpdate(key: string, eventMs: number): boolean;
  next(key: string, eventMs: number, nowMs: number): void;
  /** Current back-off duration for the key in ms (0 when none). */
  get(key: string): number;
  reset(key: string): void;
}

export interface VolumeMounter {
  /** The CRI mounts for one container from the pod's volumes (+ /etc/hosts, termination log). */
  containerMounts(
    pod: Pod,
    container: Container,
    volumes: Map<string, { hostPath: string; readOnly: boolean }>,
    extra: Mount[],
  ): Promise<Mount[]>;
}
