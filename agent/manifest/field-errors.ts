// Field errors in the API server's wording ("spec.containers[0].image: Required value"), so that a
// bad static manifest reads exactly like what `kubectl apply` would have said.

export interface FieldError {
  /** Path such as "spec.containers[1].resources.limits[memory]". */
  field: string;
  /** Upstream-style reason, e.g. 'Invalid value: "x": must be ...' or "Required value". */
  reason: string;
}

/** Non-fatal findings, e.g. unknown fields (upstream strict decoding reports them as warnings). */
export interface FieldWarning {
  field: string;
  reason: string;
}

export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${e.reason}`;
}

/** Go's %q / %d / %v rendering of a value in error messages. */
export function showValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === undefined || v === null) return "null";
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function required(field: string, detail = ""): FieldError {
  return { field, reason: detail ? `Required value: ${detail}` : "Required value" };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { field, reason: `Invalid value: ${showValue(value)}${detail ? `: ${detail}` : ""}` };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return { field, reason: `Unsupported value: ${showValue(value)}: supported values: ${list}` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { field, reason: `Duplicate value: ${showValue(value)}` };
}

export function notFound(field: string, value: unknown): FieldError {
  return { field, reason: `Not found: ${showValue(value)}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, reason: `Forbidden: ${detail}` };
}

export function typeError(field: string, value: unknown, expected: string): FieldError {
  const got = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  return { field, reason: `Invalid type: expected ${expected}, got ${got}` };
}
