// Label text of the Prometheus exposition format, shared by every /metrics writer (kubelet API,
// prober): the escaping rule lives in one place.

/** A label value with backslash, double quote and newline escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** `name="value",…` without the braces (empty for no pairs). */
export function labelPairs(pairs: Iterable<readonly [string, string]>): string {
  return Array.from(pairs, ([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
}
