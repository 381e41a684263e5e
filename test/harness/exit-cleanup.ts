// Safety net for harness instances (containerd, control plane): clean-ups registered here run when
// the test process exits or is interrupted, for every instance that was not stopped. Process-wide
// by nature, hence module-level.

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
