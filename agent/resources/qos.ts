// Pod QoS class, as upstream ComputePodQOS: only cpu and memory count; init containers count;
// requests default to limits first. Sums over all containers are compared, not each container.
import type { Pod, QOSClass } from "../api/pod.ts";
import { effectiveRequestList, limitList } from "./pod-requests.ts";
import type { Quantity } from "./quantity.ts";

const QOS_RESOURCES = ["cpu", "memory"];

function accumulate(into: Map<string, Quantity>, name: string, q: Quantity): void {
  const prev = into.get(name);
  into.set(name, prev ? prev.add(q) : q);
}

export function qosClass(pod: Pod): QOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    for (const [name, q] of effectiveRequestList(c)) {
      if (QOS_RESOURCES.includes(name) && q.sign() > 0) accumulate(requests, name, q);
    }
    const found = new Set<string>();
    for (const [name, q] of limitList(c)) {
      if (QOS_RESOURCES.includes(name) && q.sign() > 0) {
        found.add(name);
        accumulate(limits, name, q);
      }
    }
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim?.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
