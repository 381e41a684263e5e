// What the runtime says about one pod: the plain data every pod decision is made from.
import type { ContainerStatus, SandboxStatus } from "../../cri/runtime.ts";

export interface ObservedContainer {
  id: string;
  name: string;
  /** Restart count recorded at creation (annotation, falls back to CRI attempt). */
  restartCount: number;
  state: ContainerStatus["state"];
  /** Milliseconds since the epoch; 0 when not reached. */
  createdAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  hash: string;
  sandboxId: string;
  annotations: Record<string, string>;
}

export interface ObservedSandbox {
  id: string;
  attempt: number;
  ready: boolean;
  createdAtMs: number;
  ip: string;
  additionalIps: string[];
  hostNetwork: boolean;
}

export interface ObservedPod {
  uid: string;
  /** Newest first. */
  sandboxes: ObservedSandbox[];
  /** All instances of all containers, newest first. */
  containers: ObservedContainer[];
}

export function nanosToMs(nanos: string): number {
  if (!nanos || nanos === "0") return 0;
  // Nanosecond timestamps exceed 2^53; dropping the last 6 digits keeps milliseconds exact.
  return nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
}

export function emptyObservedPod(uid: string): ObservedPod {
  return { uid, sandboxes: [], containers: [] };
}

/** The newest instance of each container name. */
export function latestByName(pod: ObservedPod): Map<string, ObservedContainer> {
  const latest = new Map<string, ObservedContainer>();
  for (const c of pod.containers) {
    const seen = latest.get(c.name);
    if (!seen || isNewer(c, seen)) latest.set(c.name, c);
  }
  return latest;
}

/** The instance before the newest one, per container name (for lastState and `logs --previous`). */
export function previousByName(pod: ObservedPod): Map<string, ObservedContainer> {
  const latest = latestByName(pod);
  const previous = new Map<string, ObservedContainer>();
  for (const c of pod.containers) {
    if (latest.get(c.name) === c) continue;
    const seen = previous.get(c.name);
    if (!seen || isNewer(c, seen)) previous.set(c.name, c);
  }
  return previous;
}

function isNewer(a: ObservedContainer, b: ObservedContainer): boolean {
  if (a.restartCount !== b.restartCount) return a.restartCount > b.restartCount;
  return a.createdAtMs > b.createdAtMs;
}

export function toObservedSandbox(s: SandboxStatus): ObservedSandbox {
  return {
    id: s.id,
    attempt: s.metadata.attempt,
    ready: s.state === "ready",
    createdAtMs: nanosToMs(s.createdAt),
    ip: s.ip,
    additionalIps: s.additionalIps,
    hostNetwork: s.network === "node",
  };
}
