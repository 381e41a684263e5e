// computePodActions: from the desired pod and what the runtime shows, decide what one sync does.
// Pure: no I/O, no clock reads. Mirrors the kubelet's computePodActions / findNextInitContainerToRun /
// ShouldContainerBeRestarted, extended with restartable init containers (sidecars).
import type { Container, Pod, RestartPolicy } from "../api/pod.ts";
import { containerHash } from "./container-hash.ts";
import type { ObservedContainer, ObservedPod } from "./observed.ts";
import { latestByName, previousByName } from "./observed.ts";

export type ContainerKind = "init" | "sidecar" | "app";

export interface ContainerToStart {
  name: string;
  kind: ContainerKind;
  restartCount: number;
  /** The instance being replaced, if any (its finish time keys the crash-loop back-off). */
  previous?: ObservedContainer;
}

export interface ContainerToKill {
  id: string;
  name: string;
  reason: string;
  message: string;
  /** Overrides the pod's grace period (probe terminationGracePeriodSeconds). */
  gracePeriodSeconds?: number;
}

export interface ContainerInBackoff {
  name: string;
  kind: ContainerKind;
  previous: ObservedContainer;
}

export interface PodActions {
  /** Stop every container and the sandbox (sandbox must be recreated, or the pod is done). */
  killPod: boolean;
  createSandbox: boolean;
  sandboxAttempt: number;
  /** The sandbox new containers go into, when one is kept. */
  sandboxId?: string;
  /** An init container failed and restartPolicy is Never: the pod has failed. */
  initFailed: boolean;
  containersToStart: ContainerToStart[];
  containersToKill: ContainerToKill[];
  /** Containers that want a restart but whose back-off has not expired: waiting CrashLoopBackOff. */
  inBackoff: ContainerInBackoff[];
  /** Exited instances that are neither the newest of their name nor needed: garbage. */
  containersToRemove: string[];
}

export interface UnhealthyContainer {
  reason: string;
  message: string;
  gracePeriodSeconds?: number;
}

export interface ActionContext {
  /** True while the crash-loop back-off for this container (keyed by its last finish) runs. */
  inBackoff(name: string, finishedAtMs: number): boolean;
  /** Containers a liveness or startup probe wants restarted, by container id. */
  unhealthy: ReadonlyMap<string, UnhealthyContainer>;
  /** Whether the startup probe of a running container instance has succeeded (true without one). */
  isStarted(containerId: string): boolean;
}

export function restartPolicyOf(pod: Pod): RestartPolicy {
  return pod.spec.restartPolicy ?? "Always";
}

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === "Always";
}

/** Whether a (non-running) container should run again, per the pod's restart policy. */
export function shouldRestart(
  policy: RestartPolicy,
  kind: ContainerKind,
  latest: ObservedContainer | undefined,
): boolean {
  if (!latest) return true;
  if (latest.state === "running") return false;
  if (latest.state === "created" || latest.state === "unknown") return true;
  if (kind === "sidecar") return true;
  // Init containers under Always behave as OnFailure.
  const effective = kind === "init" && policy === "Always" ? "OnFailure" : policy;
  if (effective === "Never") return false;
  if (effective === "OnFailure") return latest.exitCode !== 0;
  return true;
}

function emptyActions(): PodActions {
  return {
    killPod: false,
    createSandbox: false,
    sandboxAttempt: 0,
    initFailed: false,
    containersToStart: [],
    containersToKill: [],
    inBackoff: [],
    containersToRemove: [],
  };
}

interface SandboxDecision {
  create: boolean;
  attempt: number;
  id?: string;
}

function sandboxDecision(pod: Pod, observed: ObservedPod): SandboxDecision {
  const newest = observed.sandboxes[0];
  if (!newest) return { create: true, attempt: 0 };
  const next = { create: true, attempt: newest.attempt + 1 };
  if (observed.sandboxes.filter((s) => s.ready).length > 1) return next;
  if (!newest.ready) return next;
  const wantsHostNetwork = pod.spec.hostNetwork === true;
  if (newest.hostNetwork !== wantsHostNetwork) return next;
  if (!wantsHostNetwork && newest.ip === "") return next;
  return { create: false, attempt: newest.attempt, id: newest.id };
}

export function computePodActions(pod: Pod, observed: ObservedPod, ctx: ActionContext): PodActions {
  const actions = emptyActions();
  const policy = restartPolicyOf(pod);
  const initContainers = pod.spec.initContainers ?? [];
  const appContainers = pod.spec.containers;
  const latest = latestByName(observed);
  actions.containersToRemove = garbageContainers(pod, observed, latest);
  killUnknownContainers(pod, observed, actions);

  const sandbox = sandboxDecision(pod, observed);
  actions.sandboxAttempt = sandbox.attempt;
  if (sandbox.create) {
    actions.killPod = observed.sandboxes.length > 0 || observed.containers.some((c) => c.state === "running");
    // A pod that must not restart and already ran is finished: never give it a new sandbox.
    if (policy === "Never" && observed.sandboxes.length > 0 && observed.containers.length > 0) {
      actions.killPod = true;
      return actions;
    }
    actions.createSandbox = true;
    const first = initContainers[0];
    if (first) {
      actions.containersToStart.push({
        name: first.name,
        kind: kindOf(first),
        restartCount: nextCount(latest, first),
      });
    } else {
      for (const c of appContainers) {
        // Under OnFailure a container that already succeeded stays done even in a new sandbox.
        if (
          policy === "OnFailure" &&
          latest.get(c.name)?.exitCode === 0 &&
          latest.get(c.name)?.state === "exited"
        )
          continue;
        actions.containersToStart.push({ name: c.name, kind: "app", restartCount: nextCount(latest, c) });
      }
      // Every container already finished for good: nothing needs a sandbox any more.
      if (actions.containersToStart.length === 0) actions.createSandbox = false;
    }
    return actions;
  }
  actions.sandboxId = sandbox.id;

  const initDone = planInitContainers(pod, latest, ctx, actions);
  if (actions.initFailed) {
    actions.killPod = true;
    return actions;
  }
  if (!initDone) return actions;

  let keep = 0;
  for (const c of appContainers) {
    const current = latest.get(c.name);
    if (current?.state !== "running") {
      if (shouldRestart(policy, "app", current)) startOrBackoff(c, "app", current, ctx, actions, latest);
      continue;
    }
    const kill = reasonToKill(c, current, ctx);
    if (!kill) {
      keep++;
      continue;
    }
    actions.containersToKill.push({ id: current.id, name: c.name, ...kill });
    // The next sync sees it exited and restarts it per policy (and back-off).
  }
  // Sidecars count as "keep" only while an app container still has work to do.
  if (keep === 0 && actions.containersToStart.length === 0 && actions.inBackoff.length === 0) {
    const appsPending = actions.containersToKill.length > 0;
    if (!appsPending) actions.killPod = true;
  }
  return actions;
}

function kindOf(c: Container): ContainerKind {
  return isSidecar(c) ? "sidecar" : "init";
}

function nextCount(latest: Map<string, ObservedContainer>, c: Container): number {
  const current = latest.get(c.name);
  return current ? current.restartCount + 1 : 0;
}

function reasonToKill(
  c: Container,
  current: ObservedContainer,
  ctx: ActionContext,
): UnhealthyContainer | undefined {
  if (current.hash !== "" && current.hash !== containerHash(c)) {
    return { reason: "SpecChanged", message: `Container ${c.name} definition changed, will be restarted` };
  }
  return ctx.unhealthy.get(current.id);
}

function startOrBackoff(
  c: Container,
  kind: ContainerKind,
  current: ObservedContainer | undefined,
  ctx: ActionContext,
  actions: PodActions,
  latest: Map<string, ObservedContainer>,
): void {
  if (current && current.state === "exited" && ctx.inBackoff(c.name, current.finishedAtMs)) {
    actions.inBackoff.push({ name: c.name, kind, previous: current });
    return;
  }
  actions.containersToStart.push({
    name: c.name,
    kind,
    restartCount: nextCount(latest, c),
    ...(current ? { previous: current } : {}),
  });
}

/**
 * Walks the init containers in order. Returns true when initialization is complete (app containers
 * may run). Regular init containers run one at a time and must exit 0; a sidecar must be running and
 * started before the next init container runs, and is kept running afterwards.
 */
function planInitContainers(
  pod: Pod,
  latest: Map<string, ObservedContainer>,
  ctx: ActionContext,
  actions: PodActions,
): boolean {
  const policy = restartPolicyOf(pod);
  const initContainers = pod.spec.initContainers ?? [];
  // Once an app container has run, initialization happened (its init containers may have been GC'd).
  const appsStarted = pod.spec.containers.some((c) => latest.has(c.name));
  let blocked = false;
  for (const c of initContainers) {
    const current = latest.get(c.name);
    if (isSidecar(c)) {
      if (current?.state === "running") {
        const kill = reasonToKill(c, current, ctx);
        if (kill) {
          actions.containersToKill.push({ id: current.id, name: c.name, ...kill });
          blocked = true;
        } else if (!appsStarted && !ctx.isStarted(current.id)) blocked = true;
        continue;
      }
      if (!blocked || appsStarted) startOrBackoff(c, "sidecar", current, ctx, actions, latest);
      if (!appsStarted) blocked = true;
      continue;
    }
    if (appsStarted || blocked) continue;
    if (current?.state === "running") {
      blocked = true;
      continue;
    }
    if (current?.state === "exited" && current.exitCode === 0) continue;
    const failed = current !== undefined && (current.state === "unknown" || current.exitCode !== 0);
    if (failed && policy === "Never") {
      actions.initFailed = true;
      return false;
    }
    startOrBackoff(c, "init", current, ctx, actions, latest);
    blocked = true;
  }
  return !blocked || appsStarted;
}

/** Containers the pod spec no longer names are killed (and then collected). */
function killUnknownContainers(pod: Pod, observed: ObservedPod, actions: PodActions): void {
  const names = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  for (const c of observed.containers) {
    if (names.has(c.name) || c.state !== "running") continue;
    actions.containersToKill.push({
      id: c.id,
      name: c.name,
      reason: "Unknown",
      message: `container ${c.name} is not in the pod spec`,
    });
  }
}

/**
 * Exited instances beyond the newest two of each name (the current one and the previous one, which
 * `lastState` and `logs --previous` need), and every exited instance of a name the spec dropped.
 */
function garbageContainers(
  pod: Pod,
  observed: ObservedPod,
  latest: Map<string, ObservedContainer>,
): string[] {
  const names = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  const previous = previousByName(observed);
  return observed.containers
    .filter(
      (c) =>
        c.state === "exited" &&
        (!names.has(c.name) || (latest.get(c.name) !== c && previous.get(c.name) !== c)),
    )
    .map((c) => c.id);
}
