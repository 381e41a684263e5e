// Effective requests and limits of containers and pods, as the kubelet and scheduler compute them
// (k8s.io/component-helpers/resource PodRequests / PodLimits), in milli-CPU and bytes.
import type { Container, Pod } from "../api/pod.ts";
import { parseQuantity, type Quantity } from "./quantity.ts";

export interface ResourceAmounts {
  milliCPU: number;
  memoryBytes: number;
}

/** An init container with restartPolicy Always: a sidecar that keeps running beside the app. */
export function isRestartableInitContainer(c: Container): boolean {
  return c.restartPolicy === "Always";
}

function parseList(list: Record<string, string | number> | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, v] of Object.entries(list ?? {})) out.set(name, parseQuantity(v));
  return out;
}

/**
 * Requests after upstream defaulting: a resource with a limit and no request is requested at its
 * limit (the API server does this; the kubelet repeats it for objects that skipped defaulting).
 * Throws QuantityError on malformed quantities (validate manifests first).
 */
export function effectiveRequestList(c: Container): Map<string, Quantity> {
  const requests = parseList(c.resources?.requests);
  for (const [name, q] of parseList(c.resources?.limits)) {
    if (!requests.has(name)) requests.set(name, q);
  }
  return requests;
}

export function limitList(c: Container): Map<string, Quantity> {
  return parseList(c.resources?.limits);
}

function amounts(list: Map<string, Quantity>): ResourceAmounts {
  return {
    milliCPU: list.get("cpu")?.milliValue() ?? 0,
    memoryBytes: list.get("memory")?.value() ?? 0,
  };
}

/** The container's cpu (milli) and memory (bytes) requests; 0 when none. */
export function containerRequests(c: Container): ResourceAmounts {
  return amounts(effectiveRequestList(c));
}

/** The container's cpu (milli) and memory (bytes) limits; 0 when none. */
export function containerLimits(c: Container): ResourceAmounts {
  return amounts(limitList(c));
}

function add(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return { milliCPU: a.milliCPU + b.milliCPU, memoryBytes: a.memoryBytes + b.memoryBytes };
}

function max(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return {
    milliCPU: Math.max(a.milliCPU, b.milliCPU),
    memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
  };
}

const NONE: ResourceAmounts = { milliCPU: 0, memoryBytes: 0 };

/**
 * Upstream aggregation: sum of app containers plus sidecars; each init container's use is its own
 * amount plus the sidecars started before it; the pod needs the max of the two.
 */
function aggregate(pod: Pod, of: (c: Container) => ResourceAmounts): ResourceAmounts {
  let total = NONE;
  for (const c of pod.spec.containers) total = add(total, of(c));
  let sidecars = NONE;
  let initPeak = NONE;
  for (const c of pod.spec.initContainers ?? []) {
    const own = of(c);
    let use: ResourceAmounts;
    if (isRestartableInitContainer(c)) {
      total = add(total, own);
      sidecars = add(sidecars, own);
      use = sidecars;
    } else {
      use = add(own, sidecars);
    }
    initPeak = max(initPeak, use);
  }
  return max(total, initPeak);
}

/** What the pod requests: max(app containers + sidecars, peak of the init phase). */
export function podRequests(pod: Pod): ResourceAmounts {
  return aggregate(pod, containerRequests);
}

/** The pod's aggregated limits, same rule as requests; 0 where no container set one. */
export function podLimits(pod: Pod): ResourceAmounts {
  return aggregate(pod, containerLimits);
}
