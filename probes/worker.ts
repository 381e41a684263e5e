// One probe of one container instance: timing, running the handler, thresholds, result.
// Each worker has its own timer and awaits only its own handler, so a slow probe delays nobody.
import type { Probe } from "../agent/api/pod.ts";
import type { Logger } from "../agent/log.ts";
import type { HandlerOutcome } from "./handlers/index.ts";
import type { MetricResult } from "./metrics.ts";
import { type ProbeTiming, probeTiming } from "./probe-spec.ts";
import { earliestProbeAt, gridPhase, gridPointAtOrAfter, nextProbeAt } from "./schedule.ts";
import { initialThresholdState, observe, type ThresholdState } from "./thresholds.ts";
import type { Clock, ProbeKind, ProbeResult, ProbeTarget } from "./types.ts";

export interface WorkerDeps {
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Runs the probe's handler once. */
  run: (probe: Probe, target: ProbeTarget, timeoutMs: number, signal: AbortSignal) => Promise<HandlerOutcome>;
  /** False while the container has not started (startup probe pending): the tick is skipped. */
  mayProbe: () => boolean;
  /** Every probe that produced a result (not errors), with its duration. */
  counted: (result: MetricResult, seconds: number) => void;
  /** Every single failed probe and every warning, before thresholds (upstream's Unhealthy / ProbeWarning events). */
  unhealthy: (worker: ProbeWorker, outcome: "failure" | "warning", message: string) => void;
  /** The threshold was reached; `changed` says whether the result differs from before. */
  decided: (
    worker: ProbeWorker,
    result: ProbeResult,
    previous: ProbeResult | undefined,
    changed: boolean,
    message: string,
  ) => void;
}

const LABEL: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export class ProbeWorker {
  readonly kind: ProbeKind;
  readonly target: ProbeTarget;
  readonly probe: Probe;
  readonly timing: ProbeTiming;
  readonly #deps: WorkerDeps;
  readonly #periodMs: number;
  #phase = 0;
  #timer: unknown;
  #stopped = false;
  #inFlight = false;
  #triggered = false;
  /** One per worker: aborted by stop(), cancelling the probe in flight. */
  readonly #abort = new AbortController();
  /** When the pending timer was meant to fire; timers may fire a little early by the wall clock. */
  #dueAt = 0;
  #thresholds: ThresholdState = initialThresholdState();
  #probes = 0;

  constructor(kind: ProbeKind, target: ProbeTarget, probe: Probe, deps: WorkerDeps) {
    this.kind = kind;
    this.target = target;
    this.probe = probe;
    this.timing = probeTiming(probe);
    this.#deps = deps;
    this.#periodMs = this.timing.periodSeconds * 1000;
  }

  get result(): ProbeResult | undefined {
    return this.#thresholds.result;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get inFlight(): boolean {
    return this.#inFlight;
  }

  /** Probes run so far (results and errors). */
  get probes(): number {
    return this.#probes;
  }

  start(): void {
    const now = this.#deps.clock.now();
    this.#phase = gridPhase(now, this.#periodMs, this.#deps.random());
    this.#scheduleAt(gridPointAtOrAfter(this.#phase, this.#periodMs, this.#earliest()));
  }

  /** Probe as soon as allowed (not before the initial delay, not while a probe runs). */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#inFlight) {
      this.#triggered = true;
      return;
    }
    this.#scheduleAt(Math.max(this.#deps.clock.now(), this.#earliest()));
  }

  /** Stops probing; a probe in flight is cancelled where the handler allows it, its outcome dropped. */
  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #earliest(): number {
    return earliestProbeAt(this.target.startedAtMs, this.timing.initialDelaySeconds);
  }

  #scheduleAt(at: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    const clock = this.#deps.clock;
    this.#dueAt = at;
    this.#timer = clock.setTimeout(
      () => {
        this.#timer = undefined;
        void this.#tick();
      },
      Math.max(0, at - clock.now()),
    );
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const clock = this.#deps.clock;
    const started = clock.now();
    // The tick's logical time: never before the grid point it was scheduled for, or an early
    // timer would schedule that same grid point again and probe twice.
    const now = Math.max(started, this.#dueAt);
    if (now < this.#earliest()) {
      this.#scheduleAt(gridPointAtOrAfter(this.#phase, this.#periodMs, this.#earliest()));
      return;
    }
    if (!this.#deps.mayProbe()) {
      this.#scheduleAt(nextProbeAt(this.#phase, this.#periodMs, now, now));
      return;
    }
    this.#inFlight = true;
    this.#triggered = false;
    let out: HandlerOutcome;
    try {
      out = await this.#deps.run(
        this.probe,
        this.target,
        this.timing.timeoutSeconds * 1000,
        this.#abort.signal,
      );
    } catch (err) {
      out = { status: "error", message: (err as Error).message };
    }
    this.#inFlight = false;
    if (this.#stopped) return;
    this.#probes++;
    const end = clock.now();
    this.#record(out, (end - started) / 1000);
    if (this.#stopped) return;
    this.#scheduleAt(
      this.#triggered ? end : nextProbeAt(this.#phase, this.#periodMs, now, Math.max(end, now)),
    );
  }

  /** Built only when a line is logged: a successful probe, the common case, logs nothing. */
  #logFields(reason: string): Record<string, string> {
    return {
      pod: `${this.target.podNamespace}/${this.target.podName}`,
      container: this.target.container.name,
      containerId: this.target.containerId,
      probe: this.kind,
      reason,
    };
  }

  #record(out: HandlerOutcome, seconds: number): void {
    const { logger } = this.#deps;
    if (out.status === "error") {
      // Upstream discards a prober error: no result, no count.
      logger.warn(this.#logFields("ProbeError"), `${LABEL[this.kind]} probe errored: ${out.message}`);
      return;
    }
    const probeResult: ProbeResult = out.status === "failure" ? "failure" : "success";
    this.#deps.counted(probeResult === "success" ? "successful" : "failed", seconds);
    if (out.status === "failure") {
      logger.info(this.#logFields("Unhealthy"), `${LABEL[this.kind]} probe failed: ${out.message}`);
      this.#deps.unhealthy(this, "failure", out.message);
    } else if (out.status === "warning") {
      logger.warn(this.#logFields("ProbeWarning"), `${LABEL[this.kind]} probe warning: ${out.message}`);
      this.#deps.unhealthy(this, "warning", out.message);
    }
    const o = observe(this.#thresholds, probeResult, this.timing);
    this.#thresholds = o.state;
    if (!o.reached) return;
    if (probeResult === "failure" && (this.kind === "liveness" || this.kind === "startup")) {
      // The container will be killed: stop probing this instance (upstream puts the worker on
      // hold until a new container id appears; a new instance here gets a new worker).
      this.stop();
    } else if (probeResult === "success" && this.kind === "startup") {
      this.stop(); // started: upstream stops probing startup until the container restarts
    }
    this.#deps.decided(this, probeResult, o.previous, o.changed, out.message);
  }
}
