// A pod's requests of every resource (cpu in milli-units, everything else in whole units), as
// upstream resourcehelper.PodRequests computes them for admission: app containers plus sidecars,
// against the peak of the init phase, plus the pod overhead.
import type { Container, Pod } from "../api/pod.ts";
import { effectiveRequestList, isRestartableInitContainer } from "./pod-requests.ts";
import { parseQuantity, type Quantity } from "./quantity.ts";

export type ResourceList = Map<string, bigint>;

/** cpu counts in milli-units (as upstream MilliValue), the rest in units rounded up. */
export function amountOf(name: string, q: Quantity): bigint {
  return name === "cpu" ? q.milliValueBig() : q.valueBig();
}

function containerList(c: Container): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, q] of effectiveRequestList(c)) out.set(name, amountOf(name, q));
  return out;
}

function addInto(into: ResourceList, add: ResourceList): void {
  for (const [k, v] of add) into.set(k, (into.get(k) ?? 0n) + v);
}

function maxInto(into: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) if (v > (into.get(k) ?? 0n)) into.set(k, v);
}

/** Throws QuantityError on malformed quantities (manifests are validated first). */
export function podRequestList(pod: Pod): ResourceList {
  const total: ResourceList = new Map();
  for (const c of pod.spec.containers) addInto(total, containerList(c));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of pod.spec.initContainers ?? []) {
    const own = containerList(c);
    if (isRestartableInitContainer(c)) {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const use = new Map(own);
      addInto(use, sidecars);
      maxInto(initPeak, use);
    }
  }
  maxInto(total, initPeak);
  for (const [name, v] of Object.entries(pod.spec.overhead ?? {})) {
    total.set(name, (total.get(name) ?? 0n) + amountOf(name, parseQuantity(v)));
  }
  return total;
}
