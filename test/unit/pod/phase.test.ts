import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerStatus, RestartPolicy } from "../../../agent/api/pod.ts";
import { podPhase } from "../../../agent/pod/phase.ts";
import { container, pod } from "./fixtures.ts";

const base = { ready: false, restartCount: 0, image: "i", imageID: "", lastState: {} };
const running = (name: string): ContainerStatus => ({ ...base, name, state: { running: {} } });
const terminated = (name: string, exitCode: number): ContainerStatus => ({
  ...base,
  name,
  state: { terminated: { exitCode } },
});
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  ...base,
  name,
  state: { waiting: { reason: "CrashLoopBackOff" } },
  lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } },
});

function phase(
  policy: RestartPolicy,
  apps: ContainerStatus[],
  inits: ContainerStatus[] = [],
  initNames: string[] = [],
) {
  const p = pod({
    restartPolicy: policy,
    containers: apps.map((s) => container(s.name)),
    initContainers: initNames.map((n) => container(n)),
  });
  return podPhase(p, inits, apps);
}

describe("podPhase (upstream getPhase)", () => {
  it("is Pending while an init container runs or has not started", () => {
    assert.equal(phase("Always", [waiting("a")], [running("i")], ["i"]), "Pending");
    assert.equal(phase("Always", [waiting("a")], [], ["i"]), "Pending");
  });
  it("is Failed when an init container failed under Never", () => {
    assert.equal(phase("Never", [waiting("a")], [terminated("i", 1)], ["i"]), "Failed");
    assert.equal(phase("Never", [waiting("a")], [waiting("i", 2)], ["i"]), "Failed");
  });
  it("keeps a restarting failed init container Pending under Always", () => {
    assert.equal(phase("Always", [waiting("a")], [waiting("i", 1)], ["i"]), "Pending");
  });
  it("is Pending while any app container waits for its first start", () => {
    assert.equal(phase("Always", [running("a"), waiting("b")]), "Pending");
  });
  it("is Running when one runs and none is unknown", () => {
    assert.equal(phase("Never", [running("a"), terminated("b", 1)]), "Running");
  });
  it("treats a waiting container with a previous termination as stopped", () => {
    assert.equal(phase("Always", [waiting("a", 1)]), "Running");
  });
  it("decides all-stopped pods by policy", () => {
    assert.equal(phase("Always", [terminated("a", 0)]), "Running");
    assert.equal(phase("Never", [terminated("a", 0), terminated("b", 0)]), "Succeeded");
    assert.equal(phase("OnFailure", [terminated("a", 0)]), "Succeeded");
    assert.equal(phase("Never", [terminated("a", 0), terminated("b", 1)]), "Failed");
    assert.equal(phase("OnFailure", [terminated("a", 1)]), "Running");
  });
  it("is Pending when a status is missing", () => {
    const p = pod({ containers: [container("a"), container("b")] });
    assert.equal(podPhase(p, [], [running("a")]), "Pending");
  });
});
