// Equality-based label selection, as a Service's `spec.selector` uses it.

/** True when every key/value of `selector` is present in `labels`. An empty selector selects nothing. */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> = {},
) {
  if (!selector) return false;
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  return keys.every((k) => labels[k] === selector[k]);
}
