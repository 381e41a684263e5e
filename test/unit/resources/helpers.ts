import type { Container, Pod } from "../../../agent/api/pod.ts";

type List = Record<string, string>;

export function ctr(name: string, requests?: List, limits?: List, extra: Partial<Container> = {}): Container {
  const c: Container = { name, image: "busybox", ...extra };
  if (requests || limits) {
    c.resources = {};
    if (requests) c.resources.requests = requests;
    if (limits) c.resources.limits = limits;
  }
  return c;
}

export function sidecar(name: string, requests?: List, limits?: List): Container {
  return ctr(name, requests, limits, { restartPolicy: "Always" });
}

export function pod(
  containers: Container[],
  initContainers?: Container[],
  extra: Partial<Pod["spec"]> = {},
): Pod {
  const p: Pod = {
    metadata: { name: "p", namespace: "default", uid: "u-1" },
    spec: { containers, ...extra },
  };
  if (initContainers) p.spec.initContainers = initContainers;
  return p;
}
