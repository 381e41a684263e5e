// The Node conditions the kubelet owns (NetworkUnavailable is the network plugin's): pressure from
// the eviction signals, Ready from a health verdict. lastTransitionTime moves only when a status
// flips; lastHeartbeatTime is the time of the computation (written with the status).
import type { ConditionStatus, NodeCondition } from "../../api/node.ts";
import { type EvictionHard, thresholdValue } from "./resources.ts";

/** What the node observes now; a missing signal never counts as pressure. */
export interface NodeSignals {
  memory?: { availableBytes: number; capacityBytes: number };
  nodefs?: { availableBytes: number; capacityBytes: number; inodesFree: number; inodes: number };
  pids?: { max: number; running: number };
}

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/** The kubelet's verdict (Kubelet.health()); `reason` becomes the Ready=False message. */
export interface NodeHealth {
  ok: boolean;
  reason?: string;
}

export function observedPressure(s: NodeSignals, hard: EvictionHard): Pressure {
  const below = (available: number, capacity: number, t: EvictionHard["memoryAvailable"]) =>
    available < thresholdValue(t, capacity);
  const memory =
    s.memory !== undefined && below(s.memory.availableBytes, s.memory.capacityBytes, hard.memoryAvailable);
  const disk =
    s.nodefs !== undefined &&
    (below(s.nodefs.availableBytes, s.nodefs.capacityBytes, hard.nodefsAvailable) ||
      // filesystems without inode accounting (btrfs) report 0 inodes
      (s.nodefs.inodes > 0 && below(s.nodefs.inodesFree, s.nodefs.inodes, hard.nodefsInodesFree)));
  const pid =
    s.pids !== undefined &&
    hard.pidAvailable !== undefined &&
    below(s.pids.max - s.pids.running, s.pids.max, hard.pidAvailable);
  return { memory, disk, pid };
}

/** Upstream evictionPressureTransitionPeriod: a pressure condition stays on this long after the signal clears. */
export const PRESSURE_TRANSITION_PERIOD_MS = 5 * 60_000;

export type PressureSeen = Partial<Record<keyof Pressure, number>>;

/** Pressure as reported: observed now, or observed within the transition period. Pure. */
export function reportedPressure(
  observed: Pressure,
  lastSeen: PressureSeen,
  nowMs: number,
  periodMs: number = PRESSURE_TRANSITION_PERIOD_MS,
): { pressure: Pressure; lastSeen: PressureSeen } {
  const seen: PressureSeen = { ...lastSeen };
  const pressure = { memory: false, disk: false, pid: false };
  for (const k of ["memory", "disk", "pid"] as const) {
    if (observed[k]) seen[k] = nowMs;
    const at = seen[k];
    pressure[k] = at !== undefined && nowMs - at < periodMs;
  }
  return { pressure, lastSeen: seen };
}

interface ConditionText {
  reason: string;
  message: string;
}

const TEXT: Record<string, { True: ConditionText; False: ConditionText }> = {
  MemoryPressure: {
    True: { reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" },
    False: { reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
  },
  DiskPressure: {
    True: { reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" },
    False: { reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
  },
  PIDPressure: {
    True: { reason: "KubeletHasInsufficientPID", message: "kubelet has insufficient PID available" },
    False: { reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
  },
};

function condition(
  previous: readonly NodeCondition[] | undefined,
  type: string,
  status: ConditionStatus,
  text: ConditionText,
  now: string,
): NodeCondition {
  const prev = previous?.find((c) => c.type === type);
  const lastTransitionTime =
    prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return {
    type,
    status,
    reason: text.reason,
    message: text.message,
    lastHeartbeatTime: now,
    lastTransitionTime,
  };
}

/** The four conditions in upstream order; `now` is an RFC 3339 time (seconds). */
export function nodeConditions(
  previous: readonly NodeCondition[] | undefined,
  pressure: Pressure,
  health: NodeHealth,
  now: string,
): NodeCondition[] {
  const pressureCondition = (type: string, on: boolean) =>
    condition(previous, type, on ? "True" : "False", TEXT[type]![on ? "True" : "False"], now);
  return [
    pressureCondition("MemoryPressure", pressure.memory),
    pressureCondition("DiskPressure", pressure.disk),
    pressureCondition("PIDPressure", pressure.pid),
    health.ok
      ? condition(
          previous,
          "Ready",
          "True",
          { reason: "KubeletReady", message: "kubelet is posting ready status" },
          now,
        )
      : condition(
          previous,
          "Ready",
          "False",
          { reason: "KubeletNotReady", message: health.reason || "kubelet is not ready" },
          now,
        ),
  ];
}

const EVENT_REASON: Record<string, { True: string; False: string }> = {
  MemoryPressure: { True: "NodeHasInsufficientMemory", False: "NodeHasSufficientMemory" },
  DiskPressure: { True: "NodeHasDiskPressure", False: "NodeHasNoDiskPressure" },
  PIDPressure: { True: "NodeHasInsufficientPID", False: "NodeHasSufficientPID" },
  Ready: { True: "NodeReady", False: "NodeNotReady" },
};

/**
 * The node events (reasons) a move from `previous` to `next` conditions records, as upstream's
 * status setters do: a pressure condition on its first appearance and on every flip, Ready only
 * when an existing condition flips (a fresh Node's first Ready=True records nothing).
 */
export function conditionEvents(
  previous: readonly NodeCondition[] | undefined,
  next: readonly NodeCondition[],
): string[] {
  const reasons: string[] = [];
  for (const c of next) {
    const names = EVENT_REASON[c.type];
    if (!names || (c.status !== "True" && c.status !== "False")) continue;
    const prev = previous?.find((p) => p.type === c.type);
    if (prev ? prev.status === c.status : c.type === "Ready") continue;
    reasons.push(names[c.status]);
  }
  return reasons;
}

/** metav1.Time: RFC 3339, whole seconds. */
export function apiTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
