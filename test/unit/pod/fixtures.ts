// Builders for pods and observed runtime state used by the pod decision tests.
import type { Container, Pod } from "../../../agent/api/pod.ts";
import { containerHash } from "../../../agent/pod/container-hash.ts";
import type { ObservedContainer, ObservedPod, ObservedSandbox } from "../../../agent/pod/observed.ts";

export function container(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: "busybox:1.36", ...extra };
}

export function pod(spec: Partial<Pod["spec"]> & { containers: Container[] }): Pod {
  return {
    metadata: { name: "p", namespace: "default", uid: "uid-1" },
    spec: { restartPolicy: "Always", ...spec },
  };
}

export function sandbox(extra: Partial<ObservedSandbox> = {}): ObservedSandbox {
  return {
    id: "sb1",
    attempt: 0,
    ready: true,
    createdAtMs: 1000,
    ip: "10.0.0.5",
    additionalIps: [],
    hostNetwork: false,
    ...extra,
  };
}

let nextId = 0;
export function observedContainer(
  spec: Container,
  state: ObservedContainer["state"],
  extra: Partial<ObservedContainer> = {},
): ObservedContainer {
  nextId++;
  return {
    id: `c${nextId}`,
    name: spec.name,
    restartCount: 0,
    state,
    createdAtMs: 2000 + nextId,
    startedAtMs: state === "created" ? 0 : 3000,
    finishedAtMs: state === "exited" ? 4000 : 0,
    exitCode: 0,
    reason: state === "exited" ? "Completed" : "",
    message: "",
    image: spec.image,
    imageRef: "sha256:abc",
    hash: containerHash(spec),
    sandboxId: "sb1",
    annotations: {},
    ...extra,
  };
}

export function observed(sandboxes: ObservedSandbox[], containers: ObservedContainer[]): ObservedPod {
  return { uid: "uid-1", sandboxes, containers };
}
