// ProbeManager: the probe workers of every container instance on the node, their results
// (ready / started) and the prober metrics. The agent calls addContainer when a container
// instance starts and removeContainer when it exits or is replaced; onChange tells it when a
// result changes, and when a liveness/startup probe fails (the agent then kills the container
// with killGracePeriod(probe, pod)).
import type * as grpc from "@grpc/grpc-js";
import type { Probe } from "../agent/api/pod.ts";
import type { Logger } from "../agent/log.ts";
import type { Runtime } from "../cri/runtime.ts";
import { newHealthClient } from "./handlers/grpc.ts";
import { type HandlerOutcome, HttpRequestCache, runHandler, userAgent } from "./handlers/index.ts";
import { ProbeMetrics } from "./metrics.ts";
import { probeOf, validateProbe } from "./probe-spec.ts";
import { slottedClock } from "./slotted-clock.ts";
import type { Clock, ProbeEvent, ProbeKind, ProbeOutcomeEvent, ProbeResult, ProbeTarget } from "./types.ts";
import { ProbeWorker } from "./worker.ts";

export { killGracePeriod, probeTiming, validateContainerProbes, validateProbe } from "./probe-spec.ts";
export type { Clock, ProbeEvent, ProbeKind, ProbeOutcomeEvent, ProbeResult, ProbeTarget } from "./types.ts";

export interface ProbeManagerOptions {
  runtime: Pick<Runtime, "execSync">;
  logger: Logger;
  onChange: (ev: ProbeEvent) => void;
  /** Every failed or warning probe (the kubelet records an Unhealthy / ProbeWarning event for each). */
  onUnhealthy?: (ev: ProbeOutcomeEvent) => void;
  /** Default: the real clock with timers batched into 50 ms slots (slotted-clock.ts). */
  clock?: Clock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** HTTP response bytes read at most (default 10 KiB). */
  httpBodyLimit?: number;
  /** Kubernetes version in the User-Agent (default "1.34"). */
  kubeVersion?: string;
  /** Replaces the real handlers (unit tests of the timing/threshold logic). */
  runProbe?: (
    probe: Probe,
    target: ProbeTarget,
    timeoutMs: number,
    signal: AbortSignal,
  ) => Promise<HandlerOutcome>;
}

export interface ProbeStats {
  containers: number;
  workers: number;
  inFlight: number;
}

interface ContainerProbes {
  target: ProbeTarget;
  workers: Map<ProbeKind, ProbeWorker>;
  /** Startup succeeded, or there is no startup probe. */
  started: boolean;
  grpcClients: Map<string, grpc.Client>;
}

const KINDS: ProbeKind[] = ["startup", "readiness", "liveness"];

export class ProbeManager {
  readonly #opts: ProbeManagerOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #metrics = new ProbeMetrics();
  readonly #httpCache = new HttpRequestCache();
  readonly #containers = new Map<string, ContainerProbes>();

  constructor(opts: ProbeManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? slottedClock();
    this.#random = opts.random ?? Math.random;
    this.#logger = opts.logger;
  }

  /** Starts one worker per probe defined on the container. Idempotent per containerId. */
  addContainer(t: ProbeTarget): void {
    if (this.#containers.has(t.containerId)) return;
    const entry: ContainerProbes = {
      target: t,
      workers: new Map(),
      started: t.container.startupProbe === undefined,
      grpcClients: new Map(),
    };
    this.#containers.set(t.containerId, entry);
    for (const kind of KINDS) {
      const probe = probeOf(t.container, kind);
      if (!probe) continue;
      const problems = validateProbe(kind, probe);
      if (problems.length > 0) {
        this.#logger.error(
          { pod: `${t.podNamespace}/${t.podName}`, container: t.container.name, problems },
          `invalid ${kind} probe; its results may never change`,
        );
      }
      const series = this.#metrics.seriesFor({
        kind,
        container: t.container.name,
        pod: t.podName,
        namespace: t.podNamespace,
        podUid: t.podUid,
      });
      const worker = new ProbeWorker(kind, t, probe, {
        clock: this.#clock,
        random: this.#random,
        logger: this.#logger,
        run: (p, target, timeoutMs, signal) => this.#run(entry, p, target, timeoutMs, signal),
        mayProbe: () => kind === "startup" || entry.started,
        counted: (result, seconds) => {
          series.count(result);
          if (result === "successful") series.observe(seconds);
        },
        unhealthy: (w, outcome, message) => {
          if (this.#containers.get(entry.target.containerId) !== entry) return;
          this.#opts.onUnhealthy?.({ kind: w.kind, target: entry.target, outcome, message });
        },
        decided: (w, result, previous, changed, message) =>
          this.#decided(entry, w, result, previous, changed, message),
      });
      entry.workers.set(kind, worker);
    }
    for (const w of entry.workers.values()) w.start();
    // Upstream probes readiness as soon as the container is seen running and not ready (a manual
    // trigger on status update), so a pod does not wait up to a period for Ready; later probes
    // follow the jittered grid.
    if (entry.started) entry.workers.get("readiness")?.trigger();
  }

  /** Stops the workers of one container instance (exited or replaced) and forgets its results. */
  removeContainer(containerId: string): void {
    const entry = this.#containers.get(containerId);
    if (!entry) return;
    this.#containers.delete(containerId);
    for (const w of entry.workers.values()) w.stop();
    for (const c of entry.grpcClients.values()) c.close();
    entry.grpcClients.clear();
  }

  /**
   * The pod is terminating: stop its liveness and startup probes so that a failure during the
   * graceful stop (preStop, draining) does not kill a container again. Readiness keeps running.
   */
  stopLivenessAndStartup(podUid: string): void {
    for (const entry of this.#containers.values()) {
      if (entry.target.podUid !== podUid) continue;
      entry.workers.get("liveness")?.stop();
      entry.workers.get("startup")?.stop();
    }
  }

  /** Stops every worker of a pod and drops its metric series. */
  removePod(podUid: string): void {
    for (const [id, entry] of this.#containers) if (entry.target.podUid === podUid) this.removeContainer(id);
    this.#metrics.removePod(podUid);
  }

  /**
   * Readiness of a container instance: false until the readiness probe's first success and while
   * startup has not succeeded; true with no readiness probe once started. An instance never added
   * counts as having no probes (true).
   */
  isReady(containerId: string): boolean {
    const entry = this.#containers.get(containerId);
    if (!entry) return true;
    if (!entry.started) return false;
    const readiness = entry.workers.get("readiness");
    return readiness === undefined || readiness.result === "success";
  }

  /** Startup probe succeeded, or there is none. An instance never added counts as started. */
  isStarted(containerId: string): boolean {
    return this.#containers.get(containerId)?.started ?? true;
  }

  /** Current result of one probe of an instance (undefined before its first decision or with no such probe). */
  result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.#containers.get(containerId)?.workers.get(kind)?.result;
  }

  /** Probe now instead of at the next tick (still not before initialDelaySeconds, nor before started). */
  trigger(containerId: string, kind: ProbeKind): void {
    this.#containers.get(containerId)?.workers.get(kind)?.trigger();
  }

  hasContainer(containerId: string): boolean {
    return this.#containers.has(containerId);
  }

  metricsText(): string {
    return this.#metrics.text();
  }

  /** Counter value of prober_probe_total for one series. */
  probeCount(
    target: Pick<ProbeTarget, "podUid" | "podName" | "podNamespace"> & { containerName: string },
    kind: ProbeKind,
    result: "successful" | "failed" | "unknown",
  ): number {
    return this.#metrics.value(
      {
        kind,
        container: target.containerName,
        pod: target.podName,
        namespace: target.podNamespace,
        podUid: target.podUid,
      },
      result,
    );
  }

  stats(): ProbeStats {
    let workers = 0;
    let inFlight = 0;
    for (const e of this.#containers.values()) {
      for (const w of e.workers.values()) {
        if (w.stopped) continue;
        workers++;
        if (w.inFlight) inFlight++;
      }
    }
    return { containers: this.#containers.size, workers, inFlight };
  }

  stop(): void {
    for (const id of [...this.#containers.keys()]) this.removeContainer(id);
  }

  #run(
    entry: ContainerProbes,
    probe: Probe,
    target: ProbeTarget,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<HandlerOutcome> {
    if (this.#opts.runProbe) return this.#opts.runProbe(probe, target, timeoutMs, signal);
    return runHandler(probe, target, timeoutMs, {
      signal,
      httpCache: this.#httpCache,
      runtime: this.#opts.runtime,
      purpose: "probe",
      ...(this.#opts.kubeVersion !== undefined && { kubeVersion: this.#opts.kubeVersion }),
      ...(this.#opts.httpBodyLimit !== undefined && { httpBodyLimit: this.#opts.httpBodyLimit }),
      grpcClient: (address) => {
        let c = entry.grpcClients.get(address);
        if (!c) {
          c = newHealthClient(address, userAgent({ purpose: "probe", kubeVersion: this.#opts.kubeVersion }));
          // The container may have been removed while this probe was being set up.
          if (this.#containers.get(target.containerId) === entry) entry.grpcClients.set(address, c);
        }
        return c;
      },
    });
  }

  #decided(
    entry: ContainerProbes,
    worker: ProbeWorker,
    result: ProbeResult,
    previous: ProbeResult | undefined,
    changed: boolean,
    message: string,
  ): void {
    if (this.#containers.get(entry.target.containerId) !== entry) return;
    if (worker.kind === "startup" && result === "success") {
      entry.started = true;
      // Upstream probes readiness right away once a container is started and not yet ready.
      entry.workers.get("readiness")?.trigger();
    }
    if (!changed) return;
    const ev: ProbeEvent = { kind: worker.kind, target: entry.target, result, previous, message };
    this.#logger.info(
      {
        pod: `${entry.target.podNamespace}/${entry.target.podName}`,
        container: entry.target.container.name,
        containerId: entry.target.containerId,
        probe: worker.kind,
        result,
        previous,
      },
      `${worker.kind} probe result ${previous ?? "none"} -> ${result}`,
    );
    try {
      this.#opts.onChange(ev);
    } catch (err) {
      this.#logger.error({ err }, "probe onChange handler threw");
    }
  }
}
