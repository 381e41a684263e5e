// One serialized worker per pod UID: a sync for a pod never overlaps another sync of the same pod,
// and wake-ups that arrive during a sync coalesce into exactly one more sync.
import type { Logger } from "../log.ts";

interface WorkerState {
  running: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  wakeAt?: number;
}

export type SyncFn = (uid: string) => Promise<void>;

export class PodWorkers {
  readonly #sync: SyncFn;
  readonly #log: Logger;
  readonly #workers = new Map<string, WorkerState>();
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(sync: SyncFn, log: Logger) {
    this.#sync = sync;
    this.#log = log;
  }

  /** Sync the pod now (or right after its current sync). */
  wake(uid: string): void {
    if (this.#stopped) return;
    const w = this.#state(uid);
    if (w.running) {
      w.dirty = true;
      return;
    }
    w.running = true;
    void this.#run(uid, w);
  }

  /** Sync the pod after `delayMs`, unless an earlier wake-up is already due. */
  wakeAfter(uid: string, delayMs: number): void {
    if (this.#stopped) return;
    const w = this.#state(uid);
    const at = Date.now() + delayMs;
    if (w.timer && w.wakeAt !== undefined && w.wakeAt <= at) return;
    if (w.timer) clearTimeout(w.timer);
    w.wakeAt = at;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.wakeAt = undefined;
      this.wake(uid);
    }, delayMs);
    w.timer.unref();
  }

  /** Forget a pod's worker once its last sync is done (its timers are dropped). */
  forget(uid: string): void {
    const w = this.#workers.get(uid);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    if (!w.running) this.#workers.delete(uid);
  }

  /** Resolves when no sync is running or pending. */
  idle(): Promise<void> {
    if (![...this.#workers.values()].some((w) => w.running)) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#workers.values()) if (w.timer) clearTimeout(w.timer);
    await this.idle();
  }

  #state(uid: string): WorkerState {
    let w = this.#workers.get(uid);
    if (!w) {
      w = { running: false, dirty: false };
      this.#workers.set(uid, w);
    }
    return w;
  }

  async #run(uid: string, w: WorkerState): Promise<void> {
    do {
      w.dirty = false;
      try {
        await this.#sync(uid);
      } catch (err) {
        this.#log.error({ err, podUid: uid }, "pod sync failed");
        // Level-triggered: the next wake-up (relist, timer) retries from the observed state.
        if (!this.#stopped) this.wakeAfter(uid, 2000);
      }
    } while (w.dirty && !this.#stopped);
    w.running = false;
    if (![...this.#workers.values()].some((x) => x.running)) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
