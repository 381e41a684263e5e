// Safety net for harness instances (containerd, control plane): clean-ups registered here run when
// the test process exits or is interrupted, for every instance that was not stopped. Process-wide
// by nature, hence module-level.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "./processes.ts";

const pending = new Map<string, () => void>();
let hooksInstalled = false;

function runAll(): void {
  for (const cleanup of pending.values()) cleanup();
  pending.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", runAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = (): void => {
      runAll();
      process.off(signal, onSignal);
      // Re-raise so the default action (or the program's own handlers) still happens.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Run `cleanup` at process exit unless `cancelExitCleanup(key)` was called first. */
export function cleanupAtExit(key: string, cleanup: () => void): void {
  pending.set(key, cleanup);
  installHooks();
}

export function cancelExitCleanup(key: string): void {
  pending.delete(key);
}

/**
 * Removes the instances under tmpdir() named `<prefix>…` whose owning process died without
 * cleaning up (killed by SIGKILL, say). Instances with no owner (started for a CLI) are left alone.
 */
export function sweepAbandoned<S extends { ownerPid?: number }>(
  prefix: string,
  readState: (dir: string) => S | undefined,
  cleanup: (state: S) => void,
): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(tmpdir(), name);
    let state: S | undefined;
    try {
      state = readState(dir);
    } catch {
      continue; // being written
    }
    if (state?.ownerPid === undefined || state.ownerPid === process.pid || isAlive(state.ownerPid)) continue;
    cleanup(state);
    swept.push(dir);
  }
  return swept;
}
