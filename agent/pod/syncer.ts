// Carries out one pod's sync: computes the actions (pure) and performs them against the runtime,
// cgroups, volumes and probes; and tears a pod down. The only place pod-level I/O is sequenced.
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Container, LifecycleHandler, Pod } from "../api/pod.ts";
import type { Mount, Runtime, SandboxConfig } from "../../cri/runtime.ts";
import { containerBackoffKey } from "../backoff/backoff.ts";
import { buildEnv } from "../container/env.ts";
import { fetchEnvSources } from "../container/env-sources.ts";
import { LogEventRecorder } from "../events/log-recorder.ts";
import { hookFailedMessage, messages, REASON } from "../events/messages.ts";
import type { EventRecorder } from "../events/recorder.ts";
import type { Logger } from "../log.ts";
import { linkContainerLog, removeContainerLinks } from "../logs/container-log-links.ts";
import { containerLogPath, podLogDir } from "../logs/log-paths.ts";
import { clampOomScoreAdj, containerLinuxResources } from "../resources/linux-resources.ts";
import { podCgroupLimits, podCgroupName, toCgroupfsPath, toSystemdPath } from "../resources/pod-cgroup.ts";
import { qosClass } from "../resources/qos.ts";
import type { ContainerToKill, ContainerToStart, UnhealthyContainer } from "./actions.ts";
import { computePodActions, isSidecar } from "./actions.ts";
import { containerConfig } from "./container-config.ts";
import { containerHash } from "./container-hash.ts";
import type { ClusterDns } from "./dns.ts";
import { pullImageIfNeeded } from "./images.ts";
import type { PodObjects } from "./pod-objects.ts";
import { imagePullCredentials } from "./pull-credentials.ts";
import {
  ANNOTATION_CONTAINER_KIND,
  ANNOTATION_POD_GRACE_PERIOD,
  ANNOTATION_PRESTOP_HANDLER,
} from "./labels.ts";
import type { ObservedContainer, ObservedPod } from "./observed.ts";
import type {
  BackoffPolicy,
  ContainerProbes,
  ContainerProbeTarget,
  HookRunner,
  PodCgroups,
  PodVolumes,
  VolumeMounter,
} from "./ports.ts";
import { sandboxConfig } from "./sandbox-config.ts";
import type { WaitingReason } from "./status.ts";
import { createTerminationLog, terminationLogPath } from "../volumes/termination-log.ts";

export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
export const DEFAULT_GRACE_PERIOD_SECONDS = 30;

export interface SyncerSettings {
  nodeName: string;
  hostIP: string;
  podLogsDir: string;
  containerLogsDir: string;
  cgroupDriver: "cgroupfs" | "systemd";
  cgroupRoot: string;
  dns: ClusterDns;
  nodeMemoryBytes: number;
  nodeMilliCPU: number;
  /** The lowest oom_score_adj this host lets the runtime apply. */
  minOomScoreAdj: number;
}

export interface SyncerDeps {
  runtime: Runtime;
  cgroups: PodCgroups;
  volumes: PodVolumes;
  mounter: VolumeMounter;
  probes: ContainerProbes;
  hooks: HookRunner;
  crashBackoff: BackoffPolicy;
  imageBackoff: BackoffPolicy;
  log: Logger;
  settings: SyncerSettings;
  /** ConfigMaps, Secrets, Services from the API (cluster mode) for env and pull secrets. */
  objects?: PodObjects;
  /** Where the pod and container events go (default: one log line each). */
  events?: EventRecorder;
  now?: () => number;
}

export interface SyncOutcome {
  /** Sync again after this many ms (a back-off expires, a retry is due). */
  wakeAfterMs?: number;
  /** Whether anything was changed in the runtime (the caller re-inspects for status). */
  changed: boolean;
}

/** Per-pod memory that is not in the runtime: why containers wait, hooks in flight. */
interface PodMemo {
  waiting: Map<string, WaitingReason>;
}

export class PodSyncer {
  readonly #d: SyncerDeps;
  readonly #memo = new Map<string, PodMemo>();
  /** Containers whose postStart hook has not returned yet. */
  readonly postStartPending = new Set<string>();
  /** Containers a probe wants restarted, by container id. */
  readonly unhealthy = new Map<string, UnhealthyContainer>();

  readonly #events: EventRecorder;

  constructor(deps: SyncerDeps) {
    this.#d = deps;
    this.#events = deps.events ?? new LogEventRecorder(deps.log, deps.settings.nodeName);
  }

  waitingReasons(uid: string): ReadonlyMap<string, WaitingReason> {
    return this.#memo.get(uid)?.waiting ?? new Map();
  }

  #now(): number {
    return this.#d.now?.() ?? Date.now();
  }

  #memoOf(uid: string): PodMemo {
    let m = this.#memo.get(uid);
    if (!m) {
      m = { waiting: new Map() };
      this.#memo.set(uid, m);
    }
    return m;
  }

  podCgroupName(pod: Pod): string {
    const segments = podCgroupName(qosClass(pod), pod.metadata.uid ?? "");
    const s = this.#d.settings;
    return s.cgroupDriver === "systemd"
      ? toSystemdPath(segments).split("/").pop()!
      : toCgroupfsPath(segments, s.cgroupRoot);
  }

  podLogDir(pod: Pod): string {
    return podLogDir(
      this.#d.settings.podLogsDir,
      pod.metadata.namespace ?? "default",
      pod.metadata.name ?? "",
      pod.metadata.uid ?? "",
    );
  }

  async sync(pod: Pod, observed: ObservedPod): Promise<SyncOutcome> {
    const uid = pod.metadata.uid ?? "";
    const log = this.#d.log.child({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, podUid: uid });
    const now = this.#now();
    const actions = computePodActions(pod, observed, {
      inBackoff: (name, finishedAtMs) =>
        this.#d.crashBackoff.isInBackoffSince(backoffKey(pod, name), finishedAtMs, now),
      unhealthy: this.unhealthy,
      isStarted: (id) => this.#d.probes.isStarted(id),
    });
    const outcome: SyncOutcome = { changed: false };
    const memo = this.#memoOf(uid);

    await this.#removeGarbage(pod, observed, actions.containersToRemove, log);

    if (actions.containersToKill.length > 0) {
      outcome.changed = true;
      await Promise.all(
        actions.containersToKill.map((k) => this.#killContainer(pod, containerById(observed, k.id), k, log)),
      );
    }

    if (actions.killPod) {
      outcome.changed = true;
      if (actions.initFailed) log.info("init container failed and restartPolicy is Never: pod failed");
      if (actions.createSandbox)
        this.#events.event(pod, "Normal", REASON.SandboxChanged, messages.sandboxChanged());
      await this.#killPod(pod, observed, undefined, log, "pod sandbox changed or pod finished");
      if (!actions.createSandbox) return outcome;
    }

    let sandboxId = actions.sandboxId;
    const podSandbox = sandboxConfig(pod, {
      attempt: actions.sandboxAttempt,
      logDirectory: this.podLogDir(pod),
      cgroupParent: this.podCgroupName(pod),
      dns: this.#d.settings.dns,
    });
    let podIP = observed.sandboxes[0]?.ip ?? "";
    if (actions.createSandbox) {
      outcome.changed = true;
      const created = await this.#createSandbox(pod, podSandbox, actions.sandboxAttempt, log);
      if ("error" in created) {
        for (const c of actions.containersToStart)
          memo.waiting.set(c.name, { reason: "ContainerCreating", message: created.error });
        outcome.wakeAfterMs = 5_000;
        return outcome;
      }
      sandboxId = created.id;
      podIP = created.ip;
    }
    if (!sandboxId) return outcome;

    for (const b of actions.inBackoff) {
      const key = backoffKey(pod, b.name);
      const delay = this.#d.crashBackoff.get(key);
      memo.waiting.set(b.name, {
        reason: "CrashLoopBackOff",
        message: `back-off ${formatSeconds(delay)} restarting failed container=${b.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`,
      });
      const remaining = Math.max(0, b.previous.finishedAtMs + delay - now);
      log.info(
        { container: b.name, backoffSeconds: delay / 1000, restartInSeconds: remaining / 1000 },
        "back-off restarting failed container",
      );
      this.#events.containerEvent(
        pod,
        b.name,
        "Warning",
        REASON.BackOff,
        messages.backOffRestart(b.name, pod),
      );
      outcome.wakeAfterMs = Math.min(outcome.wakeAfterMs ?? Number.POSITIVE_INFINITY, remaining + 50);
    }

    if (actions.containersToStart.length > 0) {
      outcome.changed = true;
      const volumes = await this.#d.volumes.setUp(pod).catch((err: Error) => {
        this.#events.event(pod, "Warning", REASON.FailedMount, err.message);
        throw err;
      });
      const results = await Promise.all(
        actions.containersToStart.map((c) =>
          this.#startContainer(pod, sandboxId!, podSandbox, podIP, c, volumes, log),
        ),
      );
      for (const wake of results) {
        if (wake !== undefined)
          outcome.wakeAfterMs = Math.min(outcome.wakeAfterMs ?? Number.POSITIVE_INFINITY, wake);
      }
    } else if (observed.containers.some((c) => c.state === "running")) {
      // Upstream remounts on every sync: configMap/secret/downwardAPI/projected files follow their
      // sources (a no-op when nothing changed); a failure keeps the files as they are.
      await this.#d.volumes.setUp(pod).catch((err) => log.warn({ err }, "cannot update pod volumes"));
    }
    return outcome;
  }

  /**
   * Stops a pod deleted in the API (its grace period given) but keeps its containers and files:
   * the final status is written from them before the API object goes and the pod is cleaned up.
   */
  async stopPod(pod: Pod, observed: ObservedPod, gracePeriodSeconds: number | undefined): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    const log = this.#d.log.child({ podUid: uid, pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
    this.#d.probes.stopLivenessAndStartup(uid);
    await this.#killPod(pod, observed, gracePeriodSeconds, log, "pod deleted");
  }

  /** Stops everything of a pod (spec known or orphaned) and removes all it left behind. */
  async terminate(
    uid: string,
    observed: ObservedPod,
    pod: Pod | undefined,
    gracePeriodSeconds?: number,
  ): Promise<void> {
    const log = this.#d.log.child({
      podUid: uid,
      ...(pod ? { pod: `${pod.metadata.namespace}/${pod.metadata.name}` } : {}),
    });
    this.#d.probes.stopLivenessAndStartup(uid);
    await this.#killPod(pod, observed, gracePeriodSeconds, log, "pod removed");
    await Promise.all(observed.containers.map((c) => this.#d.runtime.removeContainer(c.id)));
    await Promise.all(observed.sandboxes.map((s) => this.#d.runtime.removePodSandbox(s.id)));
    for (const c of observed.containers) this.postStartPending.delete(c.id);
    this.#d.probes.removePod(uid);
    const cgroups = (await this.#d.cgroups.listPodCgroups()).filter((c) => c.uid === uid);
    await Promise.all(cgroups.map((c) => this.#d.cgroups.remove(c.path)));
    await this.#d.volumes.tearDown(uid);
    await this.#removeLogs(uid, pod);
    this.#memo.delete(uid);
    for (const c of observed.containers) this.unhealthy.delete(c.id);
    log.info("pod terminated and cleaned up");
  }

  async #removeLogs(uid: string, pod: Pod | undefined): Promise<void> {
    const s = this.#d.settings;
    const podDirs = pod ? [this.podLogDir(pod)] : await findPodLogDirs(s.podLogsDir, uid);
    for (const dir of podDirs) await rm(dir, { recursive: true, force: true });
    if (pod) {
      await removeContainerLinks(s.containerLogsDir, {
        namespace: pod.metadata.namespace ?? "default",
        podName: pod.metadata.name ?? "",
      });
    }
  }

  async #removeGarbage(pod: Pod, observed: ObservedPod, ids: string[], log: Logger): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const c = containerById(observed, id);
        await this.#d.runtime.removeContainer(id);
        this.unhealthy.delete(id);
        if (c) {
          await rm(containerLogPath(this.podLogDir(pod), c.name, c.restartCount), { force: true });
          await removeContainerLinks(this.#d.settings.containerLogsDir, { containerId: id });
          await rm(
            terminationLogPath(this.#d.volumes.podDir(pod.metadata.uid ?? ""), c.name, c.restartCount),
            { force: true },
          );
        }
        log.debug({ containerId: id, container: c?.name }, "removed old container instance");
      }),
    );
  }

  async #createSandbox(
    pod: Pod,
    config: SandboxConfig,
    attempt: number,
    log: Logger,
  ): Promise<{ id: string; ip: string } | { error: string }> {
    const s = this.#d.settings;
    try {
      await Promise.all([
        mkdir(config.logDirectory, { recursive: true }),
        this.#d.cgroups.ensure(config.linux.cgroupParent, podCgroupLimits(pod)),
      ]);
      const id = await this.#d.runtime.runPodSandbox(config);
      const status = pod.spec.hostNetwork ? undefined : await this.#d.runtime.podSandboxStatus(id);
      const ip = pod.spec.hostNetwork ? s.hostIP : (status?.ip ?? "");
      log.info({ sandboxId: id, attempt, podIP: ip }, "pod sandbox started");
      return { id, ip };
    } catch (err) {
      const message = messages.sandboxFailed((err as Error).message);
      log.error({ err }, message);
      this.#events.event(pod, "Warning", REASON.FailedCreatePodSandBox, message);
      return { error: message };
    }
  }

  /** Returns a wake-up delay when the container could not start and should be retried. */
  async #startContainer(
    pod: Pod,
    sandboxId: string,
    podSandbox: SandboxConfig,
    podIP: string,
    start: ContainerToStart,
    volumes: Map<string, { hostPath: string; readOnly: boolean }>,
    log: Logger,
  ): Promise<number | undefined> {
    const uid = pod.metadata.uid ?? "";
    const spec = findContainer(pod, start.name);
    if (!spec) return undefined;
    const memo = this.#memoOf(uid);
    const clog = log.child({ container: spec.name });
    const now = this.#now();

    if (start.previous?.state === "exited") {
      this.#d.crashBackoff.next(backoffKey(pod, spec.name), start.previous.finishedAtMs, now);
    }

    const objects = this.#d.objects;
    const credentials = objects ? () => imagePullCredentials(objects, pod, spec.image, clog) : undefined;
    const image = await pullImageIfNeeded(
      this.#d.runtime,
      this.#d.imageBackoff,
      pod,
      spec,
      now,
      clog,
      credentials,
      this.#events,
    );
    if ("reason" in image) {
      memo.waiting.set(spec.name, { reason: image.reason, message: image.message });
      return image.retryAfterMs;
    }

    const s = this.#d.settings;
    const fetched = await fetchEnvSources(objects, pod, spec);
    const env = buildEnv(pod, spec, {
      ...fetched.context,
      nodeName: s.nodeName,
      hostIP: s.hostIP,
      hostIPs: [s.hostIP],
      ...(podIP ? { podIP, podIPs: [podIP] } : {}),
      nodeAllocatable: { milliCPU: s.nodeMilliCPU, memoryBytes: s.nodeMemoryBytes },
    });
    env.errors.unshift(...fetched.errors);
    if (env.errors.length > 0) {
      const message = env.errors.join("; ");
      memo.waiting.set(spec.name, { reason: "CreateContainerConfigError", message });
      clog.error({ reason: "CreateContainerConfigError" }, message);
      this.#events.containerEvent(pod, spec.name, "Warning", REASON.Failed, messages.error(message));
      return 10_000;
    }

    let containerId: string;
    try {
      const podDir = this.#d.volumes.podDir(uid);
      const termination = await this.#terminationLogMount(spec, start.restartCount, podDir);
      // The mounter writes /etc/hosts from the pod's IPs.
      const withIP: Pod = podIP ? { ...pod, status: { ...pod.status, podIP, podIPs: [{ ip: podIP }] } } : pod;
      const mounts = await this.#d.mounter.containerMounts(withIP, spec, volumes, [termination]);
      const resources = containerLinuxResources(pod, spec, s.nodeMemoryBytes);
      if (resources.oomScoreAdj !== undefined)
        resources.oomScoreAdj = clampOomScoreAdj(resources.oomScoreAdj, s.minOomScoreAdj);
      const config = containerConfig(pod, spec, {
        kind: start.kind,
        restartCount: start.restartCount,
        imageRef: image.ref,
        envs: env.env,
        mounts,
        resources,
      });
      containerId = await this.#d.runtime.createContainer(sandboxId, config, podSandbox);
    } catch (err) {
      const message = (err as Error).message;
      memo.waiting.set(spec.name, { reason: "CreateContainerError", message });
      clog.error({ err, reason: "CreateContainerError" }, "failed to create container");
      this.#events.containerEvent(pod, spec.name, "Warning", REASON.Failed, messages.error(message));
      return 10_000;
    }

    this.#events.containerEvent(pod, spec.name, "Normal", REASON.Created, messages.created(spec.name));
    const logFile = containerLogPath(this.podLogDir(pod), spec.name, start.restartCount);
    try {
      await this.#d.runtime.startContainer(containerId);
    } catch (err) {
      const message = (err as Error).message;
      memo.waiting.set(spec.name, { reason: "RunContainerError", message });
      clog.error({ err, containerId, reason: "RunContainerError" }, "failed to start container");
      this.#events.containerEvent(pod, spec.name, "Warning", REASON.Failed, messages.error(message));
      return 10_000;
    }
    memo.waiting.delete(spec.name);
    this.#events.containerEvent(pod, spec.name, "Normal", REASON.Started, messages.started(spec.name));
    await linkContainerLog(
      s.containerLogsDir,
      {
        podName: pod.metadata.name ?? "",
        namespace: pod.metadata.namespace ?? "default",
        containerName: spec.name,
        containerId,
      },
      logFile,
    ).catch((err) => clog.warn({ err }, "cannot link container log"));
    clog.info({ containerId, restartCount: start.restartCount, kind: start.kind }, "container started");

    const target: ContainerProbeTarget = {
      podUid: uid,
      podName: pod.metadata.name ?? "",
      podNamespace: pod.metadata.namespace ?? "default",
      container: spec,
      containerId,
      ...(podIP ? { podIP } : {}),
      hostNetwork: pod.spec.hostNetwork === true,
      startedAtMs: this.#now(),
    };
    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      this.postStartPending.add(containerId);
      try {
        await this.#d.hooks.run(postStart, target, gracePeriodOf(pod) * 1000);
      } catch (err) {
        const message = `PostStartHook failed: ${(err as Error).message}`;
        clog.warn({ containerId, reason: "FailedPostStartHook" }, message);
        const hookMessage = hookFailedMessage(postStart, spec.name, pod, (err as Error).message);
        this.#events.containerEvent(pod, spec.name, "Warning", REASON.FailedPostStartHook, hookMessage);
        this.#events.containerEvent(pod, spec.name, "Normal", REASON.Killing, "FailedPostStartHook");
        this.postStartPending.delete(containerId);
        await this.#d.runtime.stopContainer(containerId, MINIMUM_GRACE_PERIOD_SECONDS).catch(() => {});
        return 0;
      }
      this.postStartPending.delete(containerId);
    }
    this.#d.probes.addContainer(target);
    return undefined;
  }

  /** The termination-message file the kubelet bind-mounts into every container. */
  async #terminationLogMount(spec: Container, restartCount: number, podDir: string): Promise<Mount> {
    const hostPath = await createTerminationLog(podDir, spec.name, restartCount);
    return {
      containerPath: spec.terminationMessagePath ?? "/dev/termination-log",
      hostPath,
      readonly: false,
    };
  }

  async #killPod(
    pod: Pod | undefined,
    observed: ObservedPod,
    gracePeriodSeconds: number | undefined,
    log: Logger,
    reason: string,
  ): Promise<void> {
    const running = observed.containers.filter((c) => c.state === "running" || c.state === "created");
    const isSidecarInstance = (c: ObservedContainer) => {
      const spec = pod && findContainer(pod, c.name);
      return spec
        ? isSidecar(spec) && (pod!.spec.initContainers ?? []).includes(spec)
        : c.annotations[ANNOTATION_CONTAINER_KIND] === "sidecar";
    };
    const main = running.filter((c) => !isSidecarInstance(c));
    const sidecars = running.filter(isSidecarInstance);
    const kill = (c: ObservedContainer) =>
      this.#killContainer(
        pod,
        c,
        {
          id: c.id,
          name: c.name,
          reason: "Killing",
          message: reason,
          ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        },
        log,
      );
    await Promise.all(main.map(kill));
    // Sidecars stop after the app containers, in reverse order of their declaration.
    const order = (pod?.spec.initContainers ?? []).map((c) => c.name);
    sidecars.sort((a, b) => order.indexOf(b.name) - order.indexOf(a.name));
    for (const c of sidecars) await kill(c);
    for (const s of observed.sandboxes.filter((x) => x.ready)) {
      await this.#d.runtime.stopPodSandbox(s.id);
      log.info({ sandboxId: s.id }, "pod sandbox stopped");
    }
  }

  async #killContainer(
    pod: Pod | undefined,
    c: ObservedContainer | undefined,
    kill: ContainerToKill,
    log: Logger,
  ): Promise<void> {
    if (!c) return;
    const started = this.#now();
    let grace = kill.gracePeriodSeconds ?? (pod ? gracePeriodOf(pod) : gracePeriodFromAnnotations(c));
    const spec = pod ? findContainer(pod, c.name) : undefined;
    const preStop = spec?.lifecycle?.preStop ?? preStopFromAnnotations(c);
    const clog = log.child({ container: c.name, containerId: c.id });
    clog.info({ reason: kill.reason, gracePeriodSeconds: grace }, `killing container: ${kill.message}`);
    if (pod) {
      // A probe or spec change says why; a plain stop says "Stopping container c" (as upstream).
      const why =
        kill.reason === "Killing" || kill.reason === "Unknown" ? messages.stopping(c.name) : kill.message;
      this.#events.containerEvent(pod, c.name, "Normal", REASON.Killing, why);
    }
    if (preStop && c.state === "running" && pod) {
      const target: ContainerProbeTarget = {
        podUid: pod.metadata.uid ?? "",
        podName: pod.metadata.name ?? "",
        podNamespace: pod.metadata.namespace ?? "default",
        container: spec ?? { name: c.name, image: c.image },
        containerId: c.id,
        hostNetwork: pod.spec.hostNetwork === true,
        startedAtMs: c.startedAtMs,
      };
      await this.#d.hooks.run(preStop, target, grace * 1000).catch((err) => {
        clog.warn({ err }, "preStop hook failed");
        const message = hookFailedMessage(preStop, c.name, pod, (err as Error).message);
        this.#events.containerEvent(pod, c.name, "Warning", REASON.FailedPreStopHook, message);
      });
    } else if (preStop && c.state === "running" && preStop.exec?.command) {
      await this.#d.runtime.execSync(c.id, preStop.exec.command, grace).catch(() => {});
    }
    const elapsed = Math.floor((this.#now() - started) / 1000);
    grace = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, grace - elapsed);
    this.#d.probes.removeContainer(c.id);
    await this.#d.runtime.stopContainer(c.id, grace);
    this.unhealthy.delete(c.id);
  }
}

function containerById(observed: ObservedPod, id: string): ObservedContainer | undefined {
  return observed.containers.find((c) => c.id === id);
}

export function findContainer(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
}

/** The kubelet's crash-loop key: a changed container spec starts a fresh back-off. */
export function backoffKey(pod: Pod, container: string): string {
  const spec = findContainer(pod, container);
  const meta = {
    name: pod.metadata.name ?? "",
    namespace: pod.metadata.namespace ?? "default",
    uid: pod.metadata.uid ?? "",
  };
  return containerBackoffKey(meta, container, spec ? containerHash(spec) : "");
}

export function gracePeriodOf(pod: Pod): number {
  return pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
}

function gracePeriodFromAnnotations(c: ObservedContainer): number {
  const v = Number.parseInt(c.annotations[ANNOTATION_POD_GRACE_PERIOD] ?? "", 10);
  return Number.isNaN(v) ? DEFAULT_GRACE_PERIOD_SECONDS : v;
}

function preStopFromAnnotations(c: ObservedContainer): LifecycleHandler | undefined {
  const raw = c.annotations[ANNOTATION_PRESTOP_HANDLER];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LifecycleHandler;
  } catch {
    return undefined;
  }
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

async function findPodLogDirs(root: string, uid: string): Promise<string[]> {
  try {
    return (await readdir(root)).filter((n) => n.endsWith(`_${uid}`)).map((n) => join(root, n));
  } catch {
    return [];
  }
}
