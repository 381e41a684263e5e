// `$(VAR)` expansion of exec probe/hook commands with the container's literal env values, as the
// kubelet does (ExpandContainerCommandOnlyStatic): `$$` is a literal `$`, unknown names stay as written.
import type { Container } from "../../agent/api/pod.ts";

export function expandStatic(words: string[], container: Container): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (e.value !== undefined && e.value !== "") env.set(e.name, e.value);
  if (env.size === 0 && !words.some((w) => w.includes("$"))) return words;
  return words.map((w) => expandWord(w, env));
}

function expandWord(word: string, env: Map<string, string>): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    const c = word[i];
    if (c !== "$" || i + 1 >= word.length) {
      out += c;
      i++;
      continue;
    }
    const next = word[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "(") {
      const close = word.indexOf(")", i + 2);
      if (close < 0) {
        out += word.slice(i);
        break;
      }
      const name = word.slice(i + 2, close);
      const value = env.get(name);
      out += value ?? `$(${name})`;
      i = close + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
