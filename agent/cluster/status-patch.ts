// What to send to a pod's `status` subresource: a JSON merge patch of the fields the kubelet owns,
// or nothing when the API already holds them. Fields owned by others (nominatedNodeName, resize,
// observedGeneration...) are never sent, so they stay as they are.
import type { PodStatus } from "../api/pod.ts";
import { stableStringify } from "../pod/hash.ts";

const KUBELET_FIELDS = [
  "phase",
  "conditions",
  "message",
  "reason",
  "hostIP",
  "hostIPs",
  "podIP",
  "podIPs",
  "startTime",
  "initContainerStatuses",
  "containerStatuses",
  "qosClass",
] as const;

/** Deep copy without null/undefined members (a merge patch's null removes a field, so the API never stores one). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

/** The kubelet-owned part of a status in a canonical form, for comparisons. */
export function ownedStatusKey(status: PodStatus | undefined): string {
  const s = (status ?? {}) as Record<string, unknown>;
  const owned: Record<string, unknown> = {};
  for (const f of KUBELET_FIELDS) if (s[f] !== undefined && s[f] !== null) owned[f] = withoutNulls(s[f]);
  return stableStringify(owned);
}

/** The merge patch turning `current` into `desired` for the kubelet's fields; undefined when equal. */
export function podStatusPatch(
  uid: string,
  current: PodStatus | undefined,
  desired: PodStatus,
): { metadata: { uid: string }; status: Record<string, unknown> } | undefined {
  if (ownedStatusKey(current) === ownedStatusKey(desired)) return undefined;
  const status: Record<string, unknown> = {};
  const d = desired as Record<string, unknown>;
  const c = (current ?? {}) as Record<string, unknown>;
  for (const f of KUBELET_FIELDS) {
    if (d[f] !== undefined) status[f] = withoutNulls(d[f]);
    else if (c[f] !== undefined) status[f] = null;
  }
  // The uid makes the patch fail rather than land on a new pod of the same name.
  return { metadata: { uid }, status };
}
