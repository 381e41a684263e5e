// The kubelet half: keeps the pods of this node running as their specs say. Pod sources feed the
// desired set; one worker per pod syncs it (level-triggered) when the set changes, when the runtime
// relist (PLEG) sees a change, when a probe result changes, or when a back-off expires.
import type { Pod, PodStatus } from "./api/pod.ts";
import type { Runtime } from "../cri/runtime.ts";
import type { Logger } from "./log.ts";
import { latestByName } from "./pod/observed.ts";
import { RuntimeInspector, type RuntimeSnapshot } from "./pod/inspect.ts";
import type { ContainerProbes } from "./pod/ports.ts";
import { computePodStatus } from "./pod/status.ts";
import type { PodSyncer } from "./pod/syncer.ts";
import { findContainer } from "./pod/syncer.ts";
import { PodWorkers } from "./pod/workers.ts";
import { OWNED_CONDITIONS, toRFC3339 } from "./pod/status.ts";
import { qosClass } from "./resources/qos.ts";

export interface KubeletOptions {
  runtime: Runtime;
  inspector: RuntimeInspector;
  syncer: PodSyncer;
  probes: ContainerProbes;
  log: Logger;
  hostIP: string;
  relistPeriodMs: number;
  syncFrequencyMs: number;
  /** Called after a pod's status was recomputed or it was removed (proxy, API status writer). */
  onStatus?: (update: PodStatusUpdate) => void;
}

export interface PodStatusUpdate {
  uid: string;
  /** Absent when the pod was removed and cleaned up. */
  pod?: Pod;
  status?: PodStatus;
  /** The pod was deleted in the API and all its containers have stopped: its final status. */
  terminal?: boolean;
}

export interface PodView {
  pod: Pod;
  status: PodStatus;
}

const RELIST_UNHEALTHY_AFTER_MS = 3 * 60_000;

export class Kubelet {
  readonly #o: KubeletOptions;
  readonly #log: Logger;
  readonly #workers: PodWorkers;
  /** Pods that should run, by UID. */
  #desired = new Map<string, Pod>();
  /** Pods removed from their source and being terminated (spec kept for preStop and grace). */
  readonly #terminating = new Map<string, Pod>();
  readonly #statuses = new Map<string, PodStatus>();
  readonly #startTimes = new Map<string, string>();
  #fingerprints = new Map<string, string>();
  #sourcesReady = false;
  #relistTimer?: NodeJS.Timeout;
  #relisting = false;
  #lastRelistOkMs = 0;
  /** Why the latest relist failed (the runtime did not answer); cleared by the next success. */
  #relistError: string | undefined;
  #lastRelistStartMs = Date.now();
  #stopped = false;

  constructor(options: KubeletOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#workers = new PodWorkers((uid) => this.#syncOne(uid), options.log);
  }

  start(): void {
    this.#lastRelistStartMs = Date.now();
    const tick = async () => {
      await this.relist();
      if (!this.#stopped) this.#relistTimer = setTimeout(tick, this.#o.relistPeriodMs);
    };
    this.#relistTimer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#relistTimer) clearTimeout(this.#relistTimer);
    await this.#workers.stop();
  }

  /** The complete set of pods that should run (from all sources). The first call marks sources ready. */
  setPods(pods: Pod[]): void {
    const previous = this.#desired;
    this.#desired = new Map(pods.map((p) => [p.metadata.uid ?? "", p]));
    const wake: string[] = [];
    for (const [uid, pod] of this.#desired) {
      const before = previous.get(uid);
      if (before && before !== pod && specChanged(before, pod)) wake.push(uid);
    }
    for (const [uid, pod] of previous) {
      if (this.#desired.has(uid)) continue;
      this.#log.info({ pod: podName(pod), podUid: uid }, "pod removed from its source: terminating");
      this.#terminating.set(uid, pod);
      wake.push(uid);
    }
    for (const [uid, pod] of this.#desired) {
      if (previous.has(uid)) continue;
      this.#log.info({ pod: podName(pod), podUid: uid }, "pod added");
      this.#terminating.delete(uid);
      wake.push(uid);
    }
    const firstSet = !this.#sourcesReady;
    this.#sourcesReady = true;
    for (const uid of wake) this.#workers.wake(uid);
    // Now that the full desired set is known, anything else in the runtime is an orphan.
    if (firstSet) void this.relist();
  }

  /** The spec of a pod that should run, or is being terminated. */
  pod(uid: string): Pod | undefined {
    return this.#desired.get(uid) ?? this.#terminating.get(uid);
  }

  /** Wake a pod's worker (probe result changed, ...). */
  wake(uid: string): void {
    this.#workers.wake(uid);
  }

  pods(): PodView[] {
    const views: PodView[] = [];
    for (const [uid, pod] of this.#desired) {
      views.push({ pod, status: this.#statuses.get(uid) ?? pendingStatus(pod, this.#o.hostIP) });
    }
    return views;
  }

  /** Healthy while the runtime answers relists and the relist loop is not stuck. */
  health(): { ok: boolean; reason: string } {
    const now = Date.now();
    if (this.#lastRelistOkMs === 0 && now - this.#lastRelistStartMs > RELIST_UNHEALTHY_AFTER_MS) {
      return { ok: false, reason: "runtime never answered a relist" };
    }
    if (this.#lastRelistOkMs > 0 && now - this.#lastRelistOkMs > RELIST_UNHEALTHY_AFTER_MS) {
      return {
        ok: false,
        reason: `PLEG is not healthy: last relist ${Math.round((now - this.#lastRelistOkMs) / 1000)}s ago`,
      };
    }
    if (this.#relistError)
      return { ok: false, reason: `container runtime is not responding: ${this.#relistError}` };
    if (this.#lastRelistOkMs === 0) return { ok: false, reason: "waiting for the first relist" };
    return { ok: true, reason: "ok" };
  }

  idle(): Promise<void> {
    return this.#workers.idle();
  }

  /** PLEG: list the runtime, wake the workers of pods whose containers changed. */
  async relist(): Promise<void> {
    if (this.#relisting) return;
    this.#relisting = true;
    try {
      const snapshot = await this.#o.inspector.snapshot();
      this.#o.inspector.prune(snapshot);
      this.#lastRelistOkMs = Date.now();
      this.#relistError = undefined;
      const fingerprints = podFingerprints(snapshot);
      for (const [uid, fp] of fingerprints) {
        if (this.#fingerprints.get(uid) !== fp) this.#workers.wake(uid);
      }
      for (const uid of this.#fingerprints.keys()) if (!fingerprints.has(uid)) this.#workers.wake(uid);
      this.#fingerprints = fingerprints;
      if (this.#sourcesReady) {
        for (const uid of RuntimeInspector.podUids(snapshot)) {
          if (!this.#desired.has(uid)) this.#workers.wake(uid);
        }
      }
    } catch (err) {
      this.#relistError = (err as Error).message;
      this.#log.warn({ err }, "runtime relist failed");
    } finally {
      this.#relisting = false;
    }
  }

  async #syncOne(uid: string): Promise<void> {
    const pod = this.#desired.get(uid);
    if (!pod) {
      if (!this.#sourcesReady) return;
      const observed = await this.#o.inspector.inspectPod(uid);
      const spec = this.#terminating.get(uid);
      if (!spec && observed.sandboxes.length === 0 && observed.containers.length === 0) {
        // Already gone (a relist noticed its removal): nothing of it is left to stop.
        this.#workers.forget(uid);
        return;
      }
      await this.#o.syncer.terminate(uid, observed, spec);
      this.#terminating.delete(uid);
      this.#statuses.delete(uid);
      this.#o.onStatus?.({ uid });
      this.#startTimes.delete(uid);
      this.#workers.forget(uid);
      return;
    }
    let observed = await this.#o.inspector.inspectPod(uid);
    if (!this.#startTimes.has(uid)) {
      const first = observed.sandboxes.at(-1)?.createdAtMs;
      this.#startTimes.set(uid, pod.status?.startTime ?? toRFC3339(first ?? Date.now()));
    }
    if (pod.metadata.deletionTimestamp) {
      await this.#syncDeleted(pod, observed);
      return;
    }
    const outcome = await this.#o.syncer.sync(pod, observed);
    if (outcome.changed) observed = await this.#o.inspector.inspectPod(uid);
    this.#adoptProbes(pod, observed);
    const status = this.#status(pod, observed, false);
    this.#statuses.set(uid, status);
    this.#o.onStatus?.({ uid, pod, status });
    this.#workers.wakeAfter(uid, outcome.wakeAfterMs ?? this.#o.syncFrequencyMs);
  }

  /** Deleted in the API: stop it within its deletion grace period, then report its final status. */
  async #syncDeleted(pod: Pod, observed: Awaited<ReturnType<RuntimeInspector["inspectPod"]>>): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    await this.#o.syncer.stopPod(pod, observed, pod.metadata.deletionGracePeriodSeconds);
    const after = await this.#o.inspector.inspectPod(uid);
    const stopped = after.containers.every((c) => c.state !== "running" && c.state !== "created");
    const status = this.#status(pod, after, stopped);
    this.#statuses.set(uid, status);
    this.#o.onStatus?.({ uid, pod, status, terminal: stopped });
    this.#workers.wakeAfter(uid, stopped ? this.#o.syncFrequencyMs : 1000);
  }

  #status(
    pod: Pod,
    observed: Awaited<ReturnType<RuntimeInspector["inspectPod"]>>,
    terminal: boolean,
  ): PodStatus {
    const uid = pod.metadata.uid ?? "";
    return computePodStatus({
      pod,
      observed,
      runtimeType: this.#o.runtime.type,
      probes: this.#o.probes,
      waitingReasons: this.#o.syncer.waitingReasons(uid),
      postStartPending: this.#o.syncer.postStartPending,
      previous: withForeignConditions(this.#statuses.get(uid) ?? pod.status, pod.status),
      hostIP: this.#o.hostIP,
      startTime: this.#startTimes.get(uid),
      qosClass: qosClass(pod),
      now: new Date(),
      terminal,
    });
  }

  /** Running containers (e.g. adopted after a restart of nodelet) get their probe workers. */
  #adoptProbes(pod: Pod, observed: Awaited<ReturnType<RuntimeInspector["inspectPod"]>>): void {
    const podIP = observed.sandboxes[0]?.ip;
    for (const c of latestByName(observed).values()) {
      if (c.state !== "running" || this.#o.syncer.postStartPending.has(c.id)) continue;
      const spec = findContainer(pod, c.name);
      if (!spec) continue;
      this.#o.probes.addContainer({
        podUid: pod.metadata.uid ?? "",
        podName: pod.metadata.name ?? "",
        podNamespace: pod.metadata.namespace ?? "default",
        container: spec,
        containerId: c.id,
        ...(podIP ? { podIP } : {}),
        hostNetwork: pod.spec.hostNetwork === true,
        startedAtMs: c.startedAtMs,
      });
    }
  }
}

function podName(pod: Pod): string {
  return `${pod.metadata.namespace ?? "default"}/${pod.metadata.name}`;
}

function podFingerprints(snapshot: RuntimeSnapshot): Map<string, string> {
  const parts = new Map<string, string[]>();
  const add = (uid: string | undefined, part: string) => {
    if (!uid) return;
    const list = parts.get(uid) ?? [];
    if (list.length === 0) parts.set(uid, list);
    list.push(part);
  };
  for (const s of snapshot.sandboxes) add(s.labels["io.kubernetes.pod.uid"], `s:${s.id}:${s.state}`);
  for (const c of snapshot.containers) add(c.labels["io.kubernetes.pod.uid"], `c:${c.id}:${c.state}`);
  return new Map([...parts].map(([uid, list]) => [uid, list.sort().join(",")]));
}

/** What the kubelet acts on changed (not just the status it wrote itself). */
function specChanged(a: Pod, b: Pod): boolean {
  const ma = a.metadata;
  const mb = b.metadata;
  if (ma.deletionTimestamp !== mb.deletionTimestamp) return true;
  if (ma.deletionGracePeriodSeconds !== mb.deletionGracePeriodSeconds) return true;
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(ma.labels) !== JSON.stringify(mb.labels) ||
    JSON.stringify(ma.annotations) !== JSON.stringify(mb.annotations)
  );
}

/**
 * Conditions other components own (readiness gates, DisruptionTarget) live in the API's copy of the
 * status: the kubelet keeps them as they are there.
 */
function withForeignConditions(
  previous: PodStatus | undefined,
  api: PodStatus | undefined,
): PodStatus | undefined {
  if (!api?.conditions || !previous || previous === api) return previous;
  const own = OWNED_CONDITIONS;
  return {
    ...previous,
    conditions: [
      ...(previous.conditions ?? []).filter((c) => own.has(c.type)),
      ...api.conditions.filter((c) => !own.has(c.type)),
    ],
  };
}

function pendingStatus(pod: Pod, hostIP: string): PodStatus {
  return { phase: "Pending", hostIP, hostIPs: [{ ip: hostIP }], qosClass: qosClass(pod) };
}
