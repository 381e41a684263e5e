// Waits until a followed log file may have changed: an inotify event in its directory (new data,
// rename or re-creation on rotation), a polling tick (inotify is not available everywhere), or abort.
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

export class LogChangeWaiter {
  private readonly watcher: FSWatcher | undefined;
  private dirty = false;
  private wake: (() => void) | undefined;
  private readonly onAbort = () => this.wake?.();
  private readonly pollIntervalMs: number;
  private readonly signal: AbortSignal | undefined;

  constructor(path: string, pollIntervalMs: number, signal: AbortSignal | undefined) {
    this.pollIntervalMs = pollIntervalMs;
    this.signal = signal;
    const name = basename(path);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === name || String(file).startsWith(`${name}.`)) this.notify();
      });
      this.watcher.on("error", () => {}); // keep polling
    } catch {
      this.watcher = undefined; // polling only
    }
    signal?.addEventListener("abort", this.onAbort);
  }

  private notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves at the next change (or one seen since the last call), poll tick, or abort. */
  async wait(): Promise<void> {
    if (this.dirty || this.signal?.aborted) {
      this.dirty = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    this.wake = undefined;
    this.dirty = false;
  }

  close(): void {
    this.watcher?.close();
    this.signal?.removeEventListener("abort", this.onAbort);
    this.wake?.();
  }
}
