import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerStatus, Pod, PodStatus } from "../../../agent/api/pod.ts";
import type { PodView } from "../../../agent/kubelet.ts";
import { kubeletMetricsText } from "../../../agent/server/kubelet-metrics.ts";
import { runningPodList } from "../../../agent/server/pod-reader.ts";

function container(name: string, state: ContainerStatus["state"], containerID?: string): ContainerStatus {
  return {
    name,
    state,
    lastState: {},
    ready: false,
    restartCount: 0,
    image: `img-${name}`,
    imageID: "",
    ...(containerID ? { containerID } : {}),
  };
}

function view(name: string, statuses: ContainerStatus[]): PodView {
  const pod: Pod = {
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: { containers: statuses.map((s) => ({ name: s.name, image: s.image })) },
  };
  return { pod, status: { phase: "Running", containerStatuses: statuses } as PodStatus };
}

const pods = [
  view("a", [
    container("web", { running: { startedAt: "t" } }, "c1"),
    container("side", { terminated: { exitCode: 0 } } as never, "c2"),
  ]),
  view("b", [container("job", { terminated: { exitCode: 1 } } as never, "c3")]),
  view("c", [container("new", { waiting: { reason: "ContainerCreating" } })]),
];

describe("kubeletMetricsText", () => {
  it("counts pods with a running container and containers by state", () => {
    const text = kubeletMetricsText("n1", pods, {
      startTimeSeconds: 100,
      cpuSeconds: 1.5,
      residentBytes: 2048,
    });
    assert.match(text, /^kubelet_node_name\{node="n1"\} 1$/m);
    assert.match(text, /^kubelet_running_pods 1$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="running"\} 1$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="exited"\} 2$/m);
    assert.match(text, /^process_start_time_seconds 100$/m);
    assert.match(text, /^# TYPE kubelet_running_pods gauge$/m);
    assert.ok(text.endsWith("\n"));
  });
});

describe("runningPodList", () => {
  it("lists the pods with running containers, with those containers' names and images only", () => {
    assert.deepEqual(runningPodList({ pods: () => pods }), {
      apiVersion: "v1",
      kind: "PodList",
      items: [
        {
          metadata: { name: "a", namespace: "ns", uid: "uid-a" },
          spec: { containers: [{ name: "web", image: "img-web" }] },
        },
      ],
    });
  });
});
