// What a container runs.
//
// With CRI the kubelet does NOT merge the image's ENTRYPOINT/CMD itself: it sends
// command = container.command and args = container.args (after `$(VAR)` expansion against the
// container's final environment), and the runtime applies the image defaults. resolveCommand does
// exactly the kubelet's part. effectiveArgv applies the runtime's merge rule for display/tests:
//   neither set       → image ENTRYPOINT + image CMD
//   only command      → command (image CMD ignored)
//   only args         → image ENTRYPOINT + args
//   both              → command + args
import type { Container } from "../api/pod.ts";
import type { KeyValue } from "../../cri/runtime.ts";
import { expandVars, mapLookup } from "./expand.ts";

export interface CriCommand {
  command: string[];
  args: string[];
}

export interface ImageCommand {
  entrypoint: string[];
  cmd: string[];
}

/** The CRI command/args for a container, expanded against its final environment. */
export function resolveCommand(container: Container, env: readonly KeyValue[]): CriCommand {
  const vars = new Map<string, string>();
  // later entries win, as when the runtime builds the process environment
  for (const { key, value } of env) vars.set(key, value);
  const lookups = [mapLookup(vars)];
  return {
    command: (container.command ?? []).map((s) => expandVars(s, lookups)),
    args: (container.args ?? []).map((s) => expandVars(s, lookups)),
  };
}

/** The argv the process will get once the runtime merges in the image defaults. */
export function effectiveArgv(
  cmd: { command?: string[]; args?: string[] },
  image: ImageCommand | undefined,
): string[] {
  const command = cmd.command ?? [];
  const args = cmd.args ?? [];
  if (command.length > 0) return [...command, ...args];
  const entrypoint = image?.entrypoint ?? [];
  // an image ENTRYPOINT of [""] means "reset", as containerd treats it
  const ep = entrypoint.length === 1 && entrypoint[0] === "" ? [] : entrypoint;
  return [...ep, ...(args.length > 0 ? args : (image?.cmd ?? []))];
}
