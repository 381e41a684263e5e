// The rate-limited syncer: wakes on tracker changes, syncs at most once per minSyncPeriod, does a
// full resync every syncPeriod and after any failure, and deletes stale UDP conntrack entries.
import type { Logger } from "../agent/log.ts";
import type { ProxyBackend } from "./backend.ts";
import { deleteFlows, staleUdpFlows } from "./conntrack.ts";
import type { CommandRunner } from "./exec.ts";
import type { ProxyMetrics } from "./metrics.ts";
import type { ServicePortInfo } from "./model.ts";
import type { ChangeSet, ProxyState } from "./state.ts";

export interface SyncerOptions {
  state: ProxyState;
  backend: ProxyBackend;
  runner: CommandRunner;
  metrics: ProxyMetrics;
  logger: Logger;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  /** Called after every successful sync with the model just programmed. */
  onSynced?: (model: ChangeSet["model"]) => void;
}

export class ProxySyncer {
  #o: SyncerOptions;
  #timer: NodeJS.Timeout | null = null;
  #periodic: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #pending = false;
  #needFull = true;
  #lastStart = 0;
  #failures = 0;
  #applied = new Map<string, ServicePortInfo[]>();
  #unsubscribe: (() => void) | null = null;
  #stopped = false;
  lastSuccessAt: number | null = null;
  #waiters: { after: number; resolve: () => void }[] = [];
  #started = 0;

  constructor(o: SyncerOptions) {
    this.#o = o;
  }

  start(): void {
    this.#unsubscribe = this.#o.state.subscribe(() => this.request());
    this.#periodic = setInterval(() => {
      this.#needFull = true;
      this.request();
    }, this.#o.syncPeriodMs);
    this.request();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#periodic) clearInterval(this.#periodic);
    await this.#running;
  }

  /** Asks for a sync as soon as the rate limit allows. */
  request(): void {
    if (this.#stopped || !this.#o.state.isSynced()) return;
    this.#pending = true;
    if (this.#timer || this.#running) return;
    // After failures, back off exponentially (from 500 ms, capped at syncPeriod) instead of hammering.
    const period =
      this.#failures === 0
        ? this.#o.minSyncPeriodMs
        : Math.min(Math.max(this.#o.minSyncPeriodMs, 500) * 2 ** (this.#failures - 1), this.#o.syncPeriodMs);
    const wait = Math.max(0, this.#lastStart + period - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#runOnce().finally(() => {
        this.#running = null;
        if (this.#pending) this.request();
      });
    }, wait);
  }

  /** Resolves after a successful sync that started after this call (tests, the CLI's first sync). */
  whenSynced(): Promise<void> {
    const after = this.#started;
    this.request();
    return new Promise((resolve) => this.#waiters.push({ after, resolve }));
  }

  async #runOnce(): Promise<void> {
    this.#pending = false;
    this.#lastStart = Date.now();
    const seq = ++this.#started;
    const { state, backend, metrics, logger } = this.#o;
    const changedSince = state.oldestChangeAt;
    state.oldestChangeAt = null;
    const changes = state.takeChanges();
    const full = this.#needFull;
    const t0 = performance.now();
    try {
      await backend.sync(changes, full);
    } catch (err) {
      metrics.syncFailures++;
      this.#failures++;
      this.#needFull = true;
      this.#pending = true;
      logger.error(
        { err: String(err), full, mode: backend.mode },
        "proxy rule sync failed; will retry with a full sync",
      );
      return;
    }
    this.#needFull = false;
    this.#failures = 0;
    const seconds = (performance.now() - t0) / 1000;
    metrics.syncDuration.observe(seconds);
    const now = Date.now();
    if (changedSince !== null) metrics.networkProgramming.observe((now - changedSince) / 1000);
    metrics.lastSyncTimestamp = now / 1000;
    this.lastSuccessAt = now;
    logger.debug({ full, changed: changes.changed.size, seconds }, "proxy rules synced");
    const keys = full ? new Set([...this.#applied.keys(), ...changes.model.keys()]) : changes.changed;
    const before: ServicePortInfo[] = [];
    const after: ServicePortInfo[] = [];
    for (const key of keys) {
      before.push(...(this.#applied.get(key) ?? []));
      const ports = changes.model.get(key);
      after.push(...(ports ?? []));
      if (ports) this.#applied.set(key, ports);
      else this.#applied.delete(key);
    }
    this.#o.onSynced?.(changes.model);
    const stale = staleUdpFlows(before, after);
    if (stale.length > 0) {
      await deleteFlows(this.#o.runner, stale).catch((err) =>
        logger.warn({ err: String(err) }, "deleting stale conntrack entries failed"),
      );
    }
    this.#waiters = this.#waiters.filter((w) => {
      if (seq > w.after) w.resolve();
      return seq <= w.after;
    });
  }
}
