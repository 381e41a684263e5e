// The pod phase, as the kubelet's getPhase computes it from the container statuses.
import type { ContainerStatus, Pod, PodPhase } from "../api/pod.ts";
import { isSidecar, restartPolicyOf } from "./actions.ts";

interface Counts {
  running: number;
  waiting: number;
  stopped: number;
  succeeded: number;
  unknown: number;
}

function byName(statuses: ContainerStatus[] | undefined): Map<string, ContainerStatus> {
  return new Map((statuses ?? []).map((s) => [s.name, s]));
}

export function podPhase(
  pod: Pod,
  initStatuses: ContainerStatus[] | undefined,
  appStatuses: ContainerStatus[] | undefined,
  /** The pod is being deleted and its containers will not restart whatever the policy says. */
  terminal = false,
): PodPhase {
  const policy = restartPolicyOf(pod);
  const inits = byName(initStatuses);
  const apps = byName(appStatuses);
  let pendingInit = 0;
  let failedInit = 0;
  const counts: Counts = { running: 0, waiting: 0, stopped: 0, succeeded: 0, unknown: 0 };

  for (const c of pod.spec.initContainers ?? []) {
    const s = inits.get(c.name);
    if (isSidecar(c)) {
      if (!s) pendingInit++;
      else if (s.state.running) {
        if (s.started !== true) pendingInit++;
      } else if (s.state.waiting && !s.lastState.terminated) pendingInit++;
      continue;
    }
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }

  for (const c of pod.spec.containers) {
    const s = apps.get(c.name);
    if (!s) counts.unknown++;
    else if (s.state.running) counts.running++;
    else if (s.state.terminated) {
      counts.stopped++;
      if (s.state.terminated.exitCode === 0) counts.succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) counts.stopped++;
      else counts.waiting++;
    } else counts.unknown++;
  }

  if (failedInit > 0 && policy === "Never") return "Failed";
  const appsEverStarted = counts.running + counts.stopped > 0;
  if (pendingInit > 0 && !appsEverStarted) return "Pending";
  if (counts.waiting > 0) return "Pending";
  if (counts.running > 0 && counts.unknown === 0) return "Running";
  if (counts.running === 0 && counts.stopped > 0 && counts.unknown === 0) {
    if (terminal) return counts.stopped === counts.succeeded ? "Succeeded" : "Failed";
    if (policy === "Always") return "Running";
    if (counts.stopped === counts.succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

export function isTerminalPhase(phase: PodPhase | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}
