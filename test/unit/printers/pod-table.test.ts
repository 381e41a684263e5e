import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerState, ContainerStatus, Pod, PodStatus } from "../../../agent/api/pod.ts";
import {
  ageColumn,
  formatPodTable,
  formatTable,
  podStatusReason,
  readyColumn,
  restartsColumn,
} from "../../../agent/printers/pod-table.ts";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();

function cs(name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    name,
    state,
    lastState: {},
    ready: false,
    restartCount: 0,
    image: "busybox",
    imageID: "",
    ...extra,
  };
}
const running = (name: string, ready = true, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { running: { startedAt: ago(60_000) } }, { ready, started: true, ...extra });
const waiting = (name: string, reason?: string, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { waiting: reason ? { reason } : {} }, extra);
const terminated = (name: string, exitCode: number, reason?: string, signal?: number) =>
  cs(name, { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } });

function mkPod(
  containers: string[],
  status: PodStatus,
  opts: { init?: string[]; sidecars?: string[]; deleting?: boolean; name?: string } = {},
): Pod {
  const pod: Pod = {
    metadata: { name: opts.name ?? "web", namespace: "default", creationTimestamp: ago(5 * 60_000) },
    spec: { containers: containers.map((name) => ({ name, image: "busybox" })), nodeName: "node-1" },
    status,
  };
  const inits = [
    ...(opts.init ?? []).map((name) => ({ name, image: "busybox" })),
    ...(opts.sidecars ?? []).map((name) => ({ name, image: "busybox", restartPolicy: "Always" as const })),
  ];
  if (inits.length > 0) pod.spec.initContainers = inits;
  if (opts.deleting) pod.metadata.deletionTimestamp = ago(1000);
  return pod;
}

/** Spec order: sidecar "s" first, then the regular init container "i". */
function sidecarThenInit(): Pod {
  const pod = mkPod(["a"], {
    phase: "Pending",
    initContainerStatuses: [running("s", true), running("i", false)],
    containerStatuses: [waiting("a", "PodInitializing")],
  });
  pod.spec.initContainers = [
    { name: "s", image: "busybox", restartPolicy: "Always" },
    { name: "i", image: "busybox" },
  ];
  return pod;
}

const readyCond = [
  { type: "Initialized", status: "True" as const },
  { type: "Ready", status: "True" as const },
];

describe("podStatusReason / readyColumn (kubectl printPod)", () => {
  const cases: [string, Pod, string, string][] = [
    [
      "running",
      mkPod(["a"], { phase: "Running", containerStatuses: [running("a")], conditions: readyCond }),
      "Running",
      "1/1",
    ],
    [
      "running, not ready",
      mkPod(["a", "b"], { phase: "Running", containerStatuses: [running("a"), running("b", false)] }),
      "Running",
      "1/2",
    ],
    ["pending, no statuses", mkPod(["a"], { phase: "Pending" }), "Pending", "0/1"],
    [
      "ContainerCreating",
      mkPod(["a"], { phase: "Pending", containerStatuses: [waiting("a", "ContainerCreating")] }),
      "ContainerCreating",
      "0/1",
    ],
    [
      "ErrImagePull",
      mkPod(["a"], { phase: "Pending", containerStatuses: [waiting("a", "ErrImagePull")] }),
      "ErrImagePull",
      "0/1",
    ],
    [
      "ImagePullBackOff",
      mkPod(["a"], { phase: "Pending", containerStatuses: [waiting("a", "ImagePullBackOff")] }),
      "ImagePullBackOff",
      "0/1",
    ],
    [
      "CrashLoopBackOff",
      mkPod(["a"], {
        phase: "Running",
        containerStatuses: [waiting("a", "CrashLoopBackOff", { restartCount: 4 })],
      }),
      "CrashLoopBackOff",
      "0/1",
    ],
    [
      "OOMKilled",
      mkPod(["a"], { phase: "Running", containerStatuses: [terminated("a", 137, "OOMKilled")] }),
      "OOMKilled",
      "0/1",
    ],
    [
      "Completed",
      mkPod(["a"], { phase: "Succeeded", containerStatuses: [terminated("a", 0, "Completed")] }),
      "Completed",
      "0/1",
    ],
    [
      "Error",
      mkPod(["a"], { phase: "Failed", containerStatuses: [terminated("a", 1, "Error")] }),
      "Error",
      "0/1",
    ],
    [
      "ExitCode:N with no reason",
      mkPod(["a"], { phase: "Failed", containerStatuses: [terminated("a", 3)] }),
      "ExitCode:3",
      "0/1",
    ],
    [
      "Signal:N with no reason",
      mkPod(["a"], { phase: "Failed", containerStatuses: [terminated("a", 0, undefined, 9)] }),
      "Signal:9",
      "0/1",
    ],
    [
      "first container's reason wins (reverse scan)",
      mkPod(["a", "b"], {
        phase: "Running",
        containerStatuses: [waiting("a", "CrashLoopBackOff"), terminated("b", 1, "Error")],
      }),
      "CrashLoopBackOff",
      "0/2",
    ],
    [
      "Completed with another container running and Ready → Running",
      mkPod(["a", "b"], {
        phase: "Running",
        conditions: readyCond,
        containerStatuses: [terminated("a", 0, "Completed"), running("b")],
      }),
      "Running",
      "1/2",
    ],
    [
      "Completed with another container running, pod not Ready → NotReady",
      mkPod(["a", "b"], {
        phase: "Running",
        containerStatuses: [terminated("a", 0, "Completed"), running("b")],
      }),
      "NotReady",
      "1/2",
    ],
    [
      "Init:0/2",
      mkPod(
        ["a"],
        {
          phase: "Pending",
          initContainerStatuses: [running("i1", false), waiting("i2", "PodInitializing")],
          containerStatuses: [waiting("a", "PodInitializing")],
        },
        { init: ["i1", "i2"] },
      ),
      "Init:0/2",
      "0/1",
    ],
    [
      "Init:1/2",
      mkPod(
        ["a"],
        {
          phase: "Pending",
          initContainerStatuses: [terminated("i1", 0, "Completed"), running("i2", false)],
          containerStatuses: [waiting("a", "PodInitializing")],
        },
        { init: ["i1", "i2"] },
      ),
      "Init:1/2",
      "0/1",
    ],
    [
      "Init:0/2 while the first init container is still waiting without reason",
      mkPod(
        ["a"],
        { phase: "Pending", initContainerStatuses: [waiting("i1"), waiting("i2")] },
        { init: ["i1", "i2"] },
      ),
      "Init:0/2",
      "0/1",
    ],
    [
      "Init:Error",
      mkPod(
        ["a"],
        { phase: "Failed", initContainerStatuses: [terminated("i1", 1, "Error")] },
        { init: ["i1"] },
      ),
      "Init:Error",
      "0/1",
    ],
    [
      "Init:ExitCode:N",
      mkPod(["a"], { phase: "Pending", initContainerStatuses: [terminated("i1", 2)] }, { init: ["i1"] }),
      "Init:ExitCode:2",
      "0/1",
    ],
    [
      "Init:Signal:N",
      mkPod(
        ["a"],
        { phase: "Pending", initContainerStatuses: [terminated("i1", 137, undefined, 9)] },
        { init: ["i1"] },
      ),
      "Init:Signal:9",
      "0/1",
    ],
    [
      "Init:CrashLoopBackOff",
      mkPod(
        ["a"],
        {
          phase: "Pending",
          initContainerStatuses: [waiting("i1", "CrashLoopBackOff", { restartCount: 3 })],
        },
        { init: ["i1"] },
      ),
      "Init:CrashLoopBackOff",
      "0/1",
    ],
    [
      "PodInitializing (init done, app waiting)",
      mkPod(
        ["a"],
        {
          phase: "Pending",
          initContainerStatuses: [terminated("i1", 0, "Completed")],
          containerStatuses: [waiting("a", "PodInitializing")],
        },
        { init: ["i1"] },
      ),
      "PodInitializing",
      "0/1",
    ],
    [
      "Terminating",
      mkPod(
        ["a"],
        { phase: "Running", containerStatuses: [running("a")], conditions: readyCond },
        { deleting: true },
      ),
      "Terminating",
      "1/1",
    ],
    [
      "deleted but terminal: phase reason kept",
      mkPod(
        ["a"],
        { phase: "Succeeded", containerStatuses: [terminated("a", 0, "Completed")] },
        { deleting: true },
      ),
      "Completed",
      "0/1",
    ],
    [
      "deleted on a lost node → Unknown",
      mkPod(
        ["a"],
        { phase: "Running", reason: "NodeLost", containerStatuses: [running("a")] },
        { deleting: true },
      ),
      "Unknown",
      "1/1",
    ],
    [
      "pod status reason (Evicted) shows when no container overrides",
      mkPod(["a"], { phase: "Failed", reason: "Evicted" }),
      "Evicted",
      "0/1",
    ],
    [
      "SchedulingGated",
      mkPod(["a"], {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      }),
      "SchedulingGated",
      "0/1",
    ],
    [
      "sidecar started and ready counts; app running",
      mkPod(
        ["a"],
        {
          phase: "Running",
          conditions: readyCond,
          initContainerStatuses: [running("s", true)],
          containerStatuses: [running("a")],
        },
        { sidecars: ["s"] },
      ),
      "Running",
      "2/2",
    ],
    ["sidecar started, next init container running → Init:1/2", sidecarThenInit(), "Init:1/2", "1/2"],
    [
      "sidecar not yet started → Init:0/1",
      mkPod(
        ["a"],
        {
          phase: "Pending",
          initContainerStatuses: [running("s", false, { started: false })],
        },
        { sidecars: ["s"] },
      ),
      "Init:0/1",
      "0/2",
    ],
  ];
  for (const [name, pod, status, ready] of cases) {
    it(`${name} → ${status} ${ready}`, () => {
      assert.equal(podStatusReason(pod), status);
      assert.equal(readyColumn(pod), ready);
    });
  }
});

describe("restartsColumn", () => {
  it("0 with no restarts", () => {
    assert.equal(
      restartsColumn(mkPod(["a"], { phase: "Running", containerStatuses: [running("a")] }), NOW),
      "0",
    );
  });
  it("count and time since the last termination", () => {
    const a = running("a", true, {
      restartCount: 3,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(125_000) } },
    });
    const b = running("b", true, {
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(3_600_000) } },
    });
    assert.equal(
      restartsColumn(mkPod(["a", "b"], { phase: "Running", containerStatuses: [a, b] }), NOW),
      "4 (2m5s ago)",
    );
  });
  it("restart count without a recorded termination prints the bare number", () => {
    const a = running("a", true, { restartCount: 2 });
    assert.equal(restartsColumn(mkPod(["a"], { phase: "Running", containerStatuses: [a] }), NOW), "2");
  });
  it("while initializing, init container restarts count", () => {
    const i = waiting("i", "CrashLoopBackOff", {
      restartCount: 5,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(30_000) } },
    });
    const pod = mkPod(
      ["a"],
      { phase: "Pending", initContainerStatuses: [i], containerStatuses: [waiting("a", "PodInitializing")] },
      { init: ["i"] },
    );
    assert.equal(restartsColumn(pod, NOW), "5 (30s ago)");
  });
  it("once initialized, only sidecar and app restarts count", () => {
    const i = terminated("i", 0, "Completed");
    i.restartCount = 2;
    const s = running("s", true, {
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(600_000) } },
    });
    const a = running("a", true, {
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(700_000) } },
    });
    const pod = mkPod(
      ["a"],
      { phase: "Running", conditions: readyCond, initContainerStatuses: [i, s], containerStatuses: [a] },
      {
        init: ["i"],
        sidecars: ["s"],
      },
    );
    assert.equal(restartsColumn(pod, NOW), "2 (10m ago)");
  });
});

describe("ageColumn", () => {
  it("from creationTimestamp", () => {
    assert.equal(ageColumn(mkPod(["a"], {}), NOW), "5m");
    const p = mkPod(["a"], {});
    delete p.metadata.creationTimestamp;
    assert.equal(ageColumn(p, NOW), "<unknown>");
  });
});

describe("formatPodTable (kubectl layout)", () => {
  const web = mkPod(["a"], {
    phase: "Running",
    containerStatuses: [running("a")],
    conditions: readyCond,
    podIP: "10.244.0.5",
    podIPs: [{ ip: "10.244.0.5" }],
  });
  const crash = mkPod(
    ["a", "b"],
    {
      phase: "Running",
      containerStatuses: [
        waiting("a", "CrashLoopBackOff", {
          restartCount: 7,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(90_000) } },
        }),
        running("b"),
      ],
    },
    { name: "crashy-backend-7d9f" },
  );
  it("default columns", () => {
    assert.equal(
      formatPodTable([web, crash], { now: NOW }),
      [
        "NAME                  READY   STATUS             RESTARTS      AGE",
        "web                   1/1     Running            0             5m",
        "crashy-backend-7d9f   1/2     CrashLoopBackOff   7 (90s ago)   5m",
        "",
      ].join("\n"),
    );
  });
  it("wide columns", () => {
    crash.spec.readinessGates = [{ conditionType: "example.com/gate" }];
    assert.equal(
      formatPodTable([web, crash], { now: NOW, wide: true }),
      [
        "NAME                  READY   STATUS             RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES",
        "web                   1/1     Running            0             5m    10.244.0.5   node-1   <none>           <none>",
        "crashy-backend-7d9f   1/2     CrashLoopBackOff   7 (90s ago)   5m    <none>       node-1   <none>           0/1",
        "",
      ].join("\n"),
    );
  });
  it("all namespaces; empty list", () => {
    assert.equal(
      formatPodTable([web], { now: NOW, allNamespaces: true }),
      "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE\ndefault     web    1/1     Running   0          5m\n",
    );
    assert.equal(formatPodTable([], { now: NOW }), "");
  });
  it("tabwriter minimum width 6 and padding 3", () => {
    assert.equal(
      formatTable([
        ["a", "b", "c"],
        ["abcdef", "x", "y"],
      ]),
      "a        b     c\nabcdef   x     y\n",
    );
  });
});
