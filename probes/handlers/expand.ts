// `$(VAR)` expansion of exec probe/hook commands with the container's literal env values, as the
// kubelet does (ExpandContainerCommandOnlyStatic): `$$` is a literal `$`, unknown names stay as written.
import type { Container } from "../../agent/api/pod.ts";
import { expandVars, mapLookup } from "../../agent/container/expand.ts";

export function expandStatic(words: string[], container: Container): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (e.value !== undefined && e.value !== "") env.set(e.name, e.value);
  if (!words.some((w) => w.includes("$"))) return words;
  const lookups = [mapLookup(env)];
  return words.map((w) => expandVars(w, lookups));
}
