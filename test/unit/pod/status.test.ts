import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PodStatus } from "../../../agent/api/pod.ts";
import type { StatusInputs } from "../../../agent/pod/status.ts";
import { computePodStatus } from "../../../agent/pod/status.ts";
import { container, observed, observedContainer, pod, sandbox } from "./fixtures.ts";

function inputs(extra: Partial<StatusInputs> & Pick<StatusInputs, "pod" | "observed">): StatusInputs {
  return {
    runtimeType: "containerd",
    probes: { isReady: () => true, isStarted: () => true },
    waitingReasons: new Map(),
    postStartPending: new Set(),
    previous: undefined,
    hostIP: "192.0.2.1",
    startTime: "2026-01-01T00:00:00Z",
    qosClass: "BestEffort",
    now: new Date("2026-01-01T00:00:10Z"),
    ...extra,
  };
}
const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe("computePodStatus", () => {
  it("reports a running ready pod with IPs, container IDs and all conditions True", () => {
    const a = container("a");
    const c = observedContainer(a, "running");
    const s = computePodStatus(
      inputs({ pod: pod({ containers: [a] }), observed: observed([sandbox()], [c]) }),
    );
    assert.equal(s.phase, "Running");
    assert.equal(s.podIP, "10.0.0.5");
    assert.deepEqual(s.podIPs, [{ ip: "10.0.0.5" }]);
    assert.equal(s.containerStatuses?.[0]?.containerID, `containerd://${c.id}`);
    assert.equal(s.containerStatuses?.[0]?.ready, true);
    assert.equal(s.containerStatuses?.[0]?.started, true);
    assert.deepEqual(
      s.conditions?.map((x) => [x.type, x.status]),
      [
        ["PodReadyToStartContainers", "True"],
        ["Initialized", "True"],
        ["Ready", "True"],
        ["ContainersReady", "True"],
        ["PodScheduled", "True"],
      ],
    );
  });

  it("shows CrashLoopBackOff waiting with the last termination and the restart count", () => {
    const a = container("a");
    const c = observedContainer(a, "exited", { exitCode: 1, reason: "Error", restartCount: 3 });
    const s = computePodStatus(
      inputs({
        pod: pod({ containers: [a] }),
        observed: observed([sandbox()], [c]),
        waitingReasons: new Map([
          ["a", { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=a" }],
        ]),
      }),
    );
    const cs = s.containerStatuses![0]!;
    assert.equal(cs.state.waiting?.reason, "CrashLoopBackOff");
    assert.equal(cs.lastState.terminated?.exitCode, 1);
    assert.equal(cs.lastState.terminated?.reason, "Error");
    assert.equal(cs.restartCount, 3);
    assert.equal(s.phase, "Running");
    assert.equal(cond(s, "Ready")?.status, "False");
    assert.equal(cond(s, "Ready")?.message, "containers with unready status: [a]");
  });

  it("reports OOMKilled as the terminated reason with exit code 137", () => {
    const a = container("a");
    const c = observedContainer(a, "exited", { exitCode: 137, reason: "OOMKilled" });
    const s = computePodStatus(
      inputs({ pod: pod({ restartPolicy: "Never", containers: [a] }), observed: observed([sandbox()], [c]) }),
    );
    assert.equal(s.containerStatuses![0]!.state.terminated?.reason, "OOMKilled");
    assert.equal(s.phase, "Failed");
  });

  it("marks app containers PodInitializing while init containers run", () => {
    const i = container("i");
    const a = container("a");
    const s = computePodStatus(
      inputs({
        pod: pod({ initContainers: [i], containers: [a] }),
        observed: observed([sandbox()], [observedContainer(i, "running")]),
      }),
    );
    assert.equal(s.phase, "Pending");
    assert.equal(s.containerStatuses![0]!.state.waiting?.reason, "PodInitializing");
    assert.equal(cond(s, "Initialized")?.status, "False");
    assert.equal(cond(s, "Initialized")?.message, "containers with incomplete status: [i]");
  });

  it("keeps readiness false until the readiness probe succeeds", () => {
    const a = container("a");
    const s = computePodStatus(
      inputs({
        pod: pod({ containers: [a] }),
        observed: observed([sandbox()], [observedContainer(a, "running")]),
        probes: { isReady: () => false, isStarted: () => true },
      }),
    );
    assert.equal(s.containerStatuses![0]!.ready, false);
    assert.equal(cond(s, "ContainersReady")?.status, "False");
  });

  it("is not Running while postStart has not returned", () => {
    const a = container("a");
    const c = observedContainer(a, "running");
    const s = computePodStatus(
      inputs({
        pod: pod({ containers: [a] }),
        observed: observed([sandbox()], [c]),
        postStartPending: new Set([c.id]),
      }),
    );
    assert.equal(s.containerStatuses![0]!.state.waiting?.reason, "ContainerCreating");
    assert.equal(s.phase, "Pending");
  });

  it("never leaves a terminal phase and reports PodCompleted", () => {
    const a = container("a");
    const done = observedContainer(a, "exited", { exitCode: 0 });
    const p = pod({ restartPolicy: "Never", containers: [a] });
    const first = computePodStatus(
      inputs({ pod: p, observed: observed([sandbox({ ready: false })], [done]) }),
    );
    assert.equal(first.phase, "Succeeded");
    assert.equal(cond(first, "Ready")?.reason, "PodCompleted");
    const later = computePodStatus(inputs({ pod: p, observed: observed([], []), previous: first }));
    assert.equal(later.phase, "Succeeded");
  });

  it("keeps lastTransitionTime while a condition does not change, and preserves foreign conditions", () => {
    const a = container("a");
    const p = pod({ containers: [a], readinessGates: [{ conditionType: "example.com/gate" }] });
    const obs = observed([sandbox()], [observedContainer(a, "running")]);
    const first = computePodStatus(inputs({ pod: p, observed: obs }));
    assert.equal(cond(first, "Ready")?.status, "False");
    assert.equal(cond(first, "Ready")?.reason, "ReadinessGatesNotReady");
    const withGate: PodStatus = {
      ...first,
      conditions: [...first.conditions!, { type: "example.com/gate", status: "True" }],
    };
    const second = computePodStatus(
      inputs({ pod: p, observed: obs, previous: withGate, now: new Date("2026-01-01T00:01:00Z") }),
    );
    assert.equal(cond(second, "Ready")?.status, "True");
    assert.equal(
      cond(second, "ContainersReady")?.lastTransitionTime,
      cond(first, "ContainersReady")?.lastTransitionTime,
    );
    assert.equal(cond(second, "example.com/gate")?.status, "True");
  });

  it("uses the host IP as pod IP for hostNetwork pods", () => {
    const a = container("a");
    const s = computePodStatus(
      inputs({
        pod: pod({ hostNetwork: true, containers: [a] }),
        observed: observed([sandbox({ ip: "", hostNetwork: true })], [observedContainer(a, "running")]),
      }),
    );
    assert.equal(s.podIP, "192.0.2.1");
  });
});
