// computePodStatus: the API status of one pod, from its spec, the runtime's view of it, probe
// results and the reasons recorded for containers that could not start. Pure.
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
  QOSClass,
} from "../api/pod.ts";
import { isSidecar } from "./actions.ts";
import type { ObservedContainer, ObservedPod } from "./observed.ts";
import { latestByName, previousByName } from "./observed.ts";
import { isTerminalPhase, podPhase } from "./phase.ts";

export interface WaitingReason {
  reason: string;
  message: string;
}

export interface ProbeView {
  isReady(containerId: string): boolean;
  isStarted(containerId: string): boolean;
}

export interface StatusInputs {
  pod: Pod;
  observed: ObservedPod;
  /** Scheme of containerID: "containerd", "cri-o", "docker". */
  runtimeType: string;
  probes: ProbeView;
  /** Why a container that should run is not running (CrashLoopBackOff, ErrImagePull, ...). */
  waitingReasons: ReadonlyMap<string, WaitingReason>;
  /** Containers whose postStart hook has not returned yet: not Running for status. */
  postStartPending: ReadonlySet<string>;
  previous: PodStatus | undefined;
  hostIP: string;
  startTime: string | undefined;
  qosClass: QOSClass;
  now: Date;
  /** Deleted from the API and every container stopped: the phase becomes Succeeded or Failed. */
  terminal?: boolean;
}

export function toRFC3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function terminatedState(c: ObservedContainer, runtimeType: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      startedAt: toRFC3339(c.startedAtMs || c.createdAtMs),
      finishedAt: toRFC3339(c.finishedAtMs || c.startedAtMs || c.createdAtMs),
      containerID: `${runtimeType}://${c.id}`,
    },
  };
}

function containerStatus(
  spec: Container,
  isInit: boolean,
  hasInitContainers: boolean,
  latest: ObservedContainer | undefined,
  previous: ObservedContainer | undefined,
  old: ContainerStatus | undefined,
  inputs: StatusInputs,
): ContainerStatus {
  const status: ContainerStatus = {
    name: spec.name,
    state: { waiting: { reason: hasInitContainers ? "PodInitializing" : "ContainerCreating" } },
    lastState: {},
    ready: false,
    restartCount: old?.restartCount ?? 0,
    image: spec.image,
    imageID: "",
    started: false,
  };
  if (!latest) {
    // A finished init container may have been collected: its last known result stands.
    if (old?.state.terminated) return { ...old };
    if (old?.lastState.terminated) status.lastState = old.lastState;
  } else {
    status.restartCount = latest.restartCount;
    status.containerID = `${inputs.runtimeType}://${latest.id}`;
    status.imageID = latest.imageRef;
    if (previous?.state === "exited") status.lastState = terminatedState(previous, inputs.runtimeType);
    if (latest.state === "running" && !inputs.postStartPending.has(latest.id)) {
      status.state = { running: { startedAt: toRFC3339(latest.startedAtMs) } };
      status.started = inputs.probes.isStarted(latest.id);
      status.ready = status.started && inputs.probes.isReady(latest.id);
    } else if (latest.state === "exited") {
      status.state = terminatedState(latest, inputs.runtimeType);
      // A regular init container that completed counts as ready.
      status.ready = isInit && !isSidecar(spec) && latest.exitCode === 0;
    } else if (latest.state === "unknown") {
      status.state = { waiting: { reason: "ContainerStatusUnknown" } };
    } else {
      status.state = { waiting: { reason: "ContainerCreating" } };
    }
  }
  const waiting = inputs.waitingReasons.get(spec.name);
  if (waiting && latest?.state !== "running") {
    if (status.state.terminated) status.lastState = status.state;
    status.state = {
      waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) },
    };
    status.ready = false;
  }
  return status;
}

function condition(
  type: string,
  ok: boolean,
  previous: PodStatus | undefined,
  now: Date,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? "True" : "False";
  const old = previous?.conditions?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      old && old.status === status && old.lastTransitionTime
        ? old.lastTransitionTime
        : toRFC3339(now.getTime()),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** Pod conditions the kubelet sets; any other condition belongs to someone else and is kept. */
export const OWNED_CONDITIONS: ReadonlySet<string> = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

export function computePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, observed, previous, now } = inputs;
  const latest = latestByName(observed);
  const previousInstances = previousByName(observed);
  const initSpecs = pod.spec.initContainers ?? [];
  const hasInit = initSpecs.length > 0;
  const oldInit = new Map((previous?.initContainerStatuses ?? []).map((s) => [s.name, s]));
  const oldApp = new Map((previous?.containerStatuses ?? []).map((s) => [s.name, s]));
  const initContainerStatuses = initSpecs.map((c) =>
    containerStatus(
      c,
      true,
      hasInit,
      latest.get(c.name),
      previousInstances.get(c.name),
      oldInit.get(c.name),
      inputs,
    ),
  );
  const containerStatuses = pod.spec.containers.map((c) =>
    containerStatus(
      c,
      false,
      hasInit,
      latest.get(c.name),
      previousInstances.get(c.name),
      oldApp.get(c.name),
      inputs,
    ),
  );

  let phase = podPhase(pod, initContainerStatuses, containerStatuses, inputs.terminal === true);
  if (isTerminalPhase(previous?.phase)) phase = previous!.phase!;

  const sandbox = observed.sandboxes[0];
  const sandboxReady = sandbox?.ready === true && !isTerminalPhase(phase);

  const incompleteInit = initSpecs
    .filter((c, i) => {
      const s = initContainerStatuses[i]!;
      return isSidecar(c)
        ? !(s.state.running && s.started)
        : !(s.state.terminated && s.state.terminated.exitCode === 0);
    })
    .map((c) => c.name);
  const wasInitialized =
    previous?.conditions?.some((c) => c.type === "Initialized" && c.status === "True") === true;
  const initialized = incompleteInit.length === 0 || wasInitialized;

  const unready = [
    ...initSpecs.filter((c, i) => isSidecar(c) && !initContainerStatuses[i]!.ready).map((c) => c.name),
    ...pod.spec.containers.filter((_, i) => !containerStatuses[i]!.ready).map((c) => c.name),
  ];
  const completed = phase === "Succeeded";
  const containersReady = unready.length === 0 && !isTerminalPhase(phase);
  const notReadyReason = completed ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = completed ? undefined : `containers with unready status: [${unready.join(" ")}]`;

  const gateProblems = (pod.spec.readinessGates ?? []).flatMap(({ conditionType }) => {
    const c = previous?.conditions?.find((x) => x.type === conditionType);
    if (!c) return [`corresponding condition of pod readiness gate "${conditionType}" does not exist.`];
    if (c.status !== "True")
      return [`the status of pod readiness gate "${conditionType}" is not "True", but ${c.status}`];
    return [];
  });
  const ready = containersReady && gateProblems.length === 0;
  const readyReason = !containersReady ? notReadyReason : "ReadinessGatesNotReady";
  const readyMessage = !containersReady ? notReadyMessage : gateProblems.join(", ");

  const conditions: PodCondition[] = [
    condition("PodReadyToStartContainers", sandboxReady, previous, now),
    condition(
      "Initialized",
      initialized,
      previous,
      now,
      "ContainersNotInitialized",
      `containers with incomplete status: [${incompleteInit.join(" ")}]`,
    ),
    condition("Ready", ready, previous, now, readyReason, readyMessage),
    condition("ContainersReady", containersReady, previous, now, notReadyReason, notReadyMessage),
    condition("PodScheduled", true, previous, now),
    ...(previous?.conditions ?? []).filter((c) => !OWNED_CONDITIONS.has(c.type)),
  ];

  const status: PodStatus = { phase, conditions, hostIP: inputs.hostIP, hostIPs: [{ ip: inputs.hostIP }] };
  const podIPs = pod.spec.hostNetwork
    ? [inputs.hostIP]
    : sandbox?.ip
      ? [sandbox.ip, ...sandbox.additionalIps]
      : (previous?.podIPs?.map((p) => p.ip) ?? []);
  if (podIPs.length > 0) {
    status.podIP = podIPs[0]!;
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  if (inputs.startTime) status.startTime = inputs.startTime;
  if (hasInit) status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  status.qosClass = inputs.qosClass;
  return status;
}
