// --register-with-taints: "key=value:Effect" or "key:Effect", as upstream parses them.
import type { Taint, TaintEffect } from "../../api/node.ts";
import { isQualifiedName, isValidLabelValue } from "../../manifest/name-rules.ts";

const EFFECTS: readonly TaintEffect[] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export class TaintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaintError";
  }
}

export function parseTaint(spec: string): Taint {
  const text = spec.trim();
  const colon = text.split(":");
  if (colon.length !== 2) {
    throw new TaintError(
      colon.length === 1
        ? `invalid taint "${text}": an effect is required ("key=value:Effect" or "key:Effect", Effect one of ${EFFECTS.join(", ")})`
        : `invalid taint "${text}": more than one ':'`,
    );
  }
  const [kv, effect] = colon as [string, string];
  if (!EFFECTS.includes(effect as TaintEffect)) {
    throw new TaintError(`invalid taint "${text}": effect "${effect}" is not one of ${EFFECTS.join(", ")}`);
  }
  const eq = kv.split("=");
  if (eq.length > 2) throw new TaintError(`invalid taint "${text}": more than one '='`);
  const [key, value] = eq as [string, string | undefined];
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) throw new TaintError(`invalid taint "${text}": key ${keyErrors.join("; ")}`);
  if (value !== undefined) {
    const valueErrors = isValidLabelValue(value);
    if (valueErrors.length > 0)
      throw new TaintError(`invalid taint "${text}": value ${valueErrors.join("; ")}`);
  }
  return value ? { key, value, effect: effect as TaintEffect } : { key, effect: effect as TaintEffect };
}

/** A list of specs (or one comma-separated string); key+effect pairs must be unique, as the API requires. */
export function parseTaints(specs: readonly string[] | string): Taint[] {
  const list = typeof specs === "string" ? specs.split(",") : specs.flatMap((s) => s.split(","));
  const taints = list.filter((s) => s.trim() !== "").map(parseTaint);
  const seen = new Set<string>();
  for (const t of taints) {
    const id = `${t.key}:${t.effect}`;
    if (seen.has(id))
      throw new TaintError(`taint ${id} is given twice (taints must be unique by key and effect)`);
    seen.add(id);
  }
  return taints;
}
