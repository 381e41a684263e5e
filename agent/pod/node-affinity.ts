// Whether a pod may run on this node by its node selector, required node affinity and NoExecute
// tolerations (upstream component-helpers scheduling/corev1 and the kubelet's taint check).
import type { Pod } from "../api/pod.ts";

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface PodAffinityShape {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
  };
}

/** nodeSelector and the required node affinity both match the node. */
export function matchesNode(pod: Pod, nodeName: string, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = (pod.spec.affinity as PodAffinityShape | undefined)?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  // Terms are ORed; a term with no requirements matches nothing.
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, nodeName, labels));
}

function termMatches(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => requirementMatches(r, labels)) &&
    fields.every((r) => r.key === "metadata.name" && requirementMatches(r, { "metadata.name": nodeName }))
  );
}

function requirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return has && values.includes(value ?? "");
    case "NotIn":
      return !has || !values.includes(value ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || values.length !== 1) return false;
      const a = parseIntStrict(value ?? "");
      const b = parseIntStrict(values[0] ?? "");
      if (a === undefined || b === undefined) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

function parseIntStrict(s: string): bigint | undefined {
  return /^-?\d+$/.test(s) ? BigInt(s) : undefined;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // An empty key with Exists tolerates every taint.
  const op = t.operator ?? "Equal";
  if (op === "Exists") return true;
  return op === "Equal" && (t.value ?? "") === (taint.value ?? "");
}

/** The first NoExecute taint no toleration of the pod matches. */
export function untoleratedNoExecute(pod: Pod, taints: readonly Taint[]): Taint | undefined {
  const tolerations = (pod.spec.tolerations ?? []) as Toleration[];
  return taints.find(
    (taint) => taint.effect === "NoExecute" && !tolerations.some((t) => tolerates(t, taint)),
  );
}
