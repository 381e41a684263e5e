// exec: run a command in the container through the runtime (CRI ExecSync); exit 0 = success.
import type { Container, ExecAction } from "../../agent/api/pod.ts";
import { RuntimeError, type Runtime } from "../../cri/runtime.ts";
import { expandStatic } from "./expand.ts";
import { type HandlerOutcome, outcome } from "./outcome.ts";

/** Output kept from the command (stdout+stderr), as the kubelet's exec prober keeps. */
const MAX_OUTPUT = 10 * 1024;
/** How long past its own timeout we wait for the runtime to answer before giving up on it. */
const RUNTIME_GRACE_MS = 1000;

export async function runExec(
  action: ExecAction,
  container: Container,
  containerId: string,
  timeoutMs: number,
  runtime: Pick<Runtime, "execSync"> | undefined,
): Promise<HandlerOutcome> {
  if (!runtime) return outcome("error", "exec handler needs a runtime");
  const cmd = expandStatic(action.command ?? [], container);
  if (cmd.length === 0) return outcome("error", "exec handler has no command");
  const timedOut = `command ${JSON.stringify(cmd.join(" "))} timed out`;
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));

  let guard: ReturnType<typeof setTimeout> | undefined;
  const guardExpired = new Promise<"guard">((resolve) => {
    guard = setTimeout(() => resolve("guard"), timeoutMs + RUNTIME_GRACE_MS);
  });
  try {
    const res = await Promise.race([runtime.execSync(containerId, cmd, timeoutSeconds), guardExpired]);
    if (res === "guard") return outcome("failure", timedOut);
    const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, MAX_OUTPUT).toString("utf8");
    if (res.exitCode === 0) return outcome("success", output);
    return outcome(
      "failure",
      output !== "" ? output : `command ${JSON.stringify(cmd.join(" "))} exited with ${res.exitCode}`,
    );
  } catch (err) {
    if (err instanceof RuntimeError && err.code === "DeadlineExceeded") return outcome("failure", timedOut);
    return outcome("error", `exec failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(guard);
  }
}
