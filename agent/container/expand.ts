// The kubelet's `$(VAR)` expansion (upstream third_party/forked/golang/expansion), used for env
// values, command and args:
//   $(NAME)  → the value when some lookup defines NAME, else left verbatim as "$(NAME)"
//   $$       → a literal "$" (so "$$(NAME)" yields "$(NAME)" unexpanded)
//   "$(" with no closing ")" and a "$" followed by anything else are copied as is.
// Replacement values are never re-expanded.

export type VarLookup = (name: string) => string | undefined;

/** A lookup over a plain map of variables (own properties only). */
export function mapLookup(vars: Readonly<Record<string, string>> | ReadonlyMap<string, string>): VarLookup {
  if (vars instanceof Map) return (name) => vars.get(name);
  const rec = vars as Readonly<Record<string, string>>;
  return (name) => (Object.hasOwn(rec, name) ? rec[name] : undefined);
}

function resolve(name: string, lookups: readonly VarLookup[]): string {
  for (const lookup of lookups) {
    const v = lookup(name);
    if (v !== undefined) return v;
  }
  return `$(${name})`;
}

export function expandVars(input: string, lookups: readonly VarLookup[]): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    if (next === "$") {
      out += "$";
      cursor += 1;
    } else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close === -1) {
        out += "$(";
        cursor += 1;
      } else {
        out += resolve(input.slice(cursor + 2, close), lookups);
        cursor = close;
      }
    } else {
      out += "$" + next;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
