import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apiTime,
  conditionEvents,
  nodeConditions,
  observedPressure,
  PRESSURE_TRANSITION_PERIOD_MS,
  reportedPressure,
} from "../../../agent/cluster/node/conditions.ts";
import { DEFAULT_EVICTION_HARD } from "../../../agent/cluster/node/resources.ts";

const Mi = 1024 * 1024;
const calm = { memory: false, disk: false, pid: false };
const healthy = { ok: true } as const;
const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:00:10Z";
const T2 = "2026-01-01T00:00:20Z";

const roomy = {
  memory: { availableBytes: 4096 * Mi, capacityBytes: 8192 * Mi },
  nodefs: { availableBytes: 50, capacityBytes: 100, inodesFree: 50, inodes: 100 },
  pids: { max: 4_194_304, running: 300 },
};

describe("pressure signals", () => {
  it("none with room to spare, or with no signal at all", () => {
    assert.deepEqual(observedPressure(roomy, DEFAULT_EVICTION_HARD), calm);
    assert.deepEqual(observedPressure({}, DEFAULT_EVICTION_HARD), calm);
  });

  it("memory below 100Mi available", () => {
    const s = { ...roomy, memory: { availableBytes: 99 * Mi, capacityBytes: 8192 * Mi } };
    assert.equal(observedPressure(s, DEFAULT_EVICTION_HARD).memory, true);
    s.memory.availableBytes = 100 * Mi;
    assert.equal(observedPressure(s, DEFAULT_EVICTION_HARD).memory, false);
  });

  it("disk below 10% space or 5% inodes; no inode accounting is no pressure", () => {
    const fs = (availableBytes: number, inodesFree: number, inodes = 100) => ({
      ...roomy,
      nodefs: { availableBytes, capacityBytes: 100, inodesFree, inodes },
    });
    assert.equal(observedPressure(fs(9, 50), DEFAULT_EVICTION_HARD).disk, true);
    assert.equal(observedPressure(fs(10, 50), DEFAULT_EVICTION_HARD).disk, false);
    assert.equal(observedPressure(fs(50, 4), DEFAULT_EVICTION_HARD).disk, true);
    assert.equal(observedPressure(fs(50, 0, 0), DEFAULT_EVICTION_HARD).disk, false);
  });

  it("pid pressure only with a pid.available threshold (upstream has no default)", () => {
    const s = { ...roomy, pids: { max: 1000, running: 950 } };
    assert.equal(observedPressure(s, DEFAULT_EVICTION_HARD).pid, false);
    const hard = { ...DEFAULT_EVICTION_HARD, pidAvailable: { percentage: 0.1 } };
    assert.equal(observedPressure(s, hard).pid, true);
    assert.equal(observedPressure({ ...roomy, pids: { max: 1000, running: 900 } }, hard).pid, false);
  });

  it("a pressure stays reported for the transition period after the signal clears", () => {
    let r = reportedPressure({ ...calm, memory: true }, {}, 1000);
    assert.equal(r.pressure.memory, true);
    r = reportedPressure(calm, r.lastSeen, 1000 + PRESSURE_TRANSITION_PERIOD_MS - 1);
    assert.equal(r.pressure.memory, true);
    r = reportedPressure(calm, r.lastSeen, 1000 + PRESSURE_TRANSITION_PERIOD_MS);
    assert.deepEqual(r.pressure, calm);
  });
});

describe("node conditions", () => {
  it("reports the four conditions with upstream reasons and messages", () => {
    const c = nodeConditions(undefined, calm, healthy, T0);
    assert.deepEqual(
      c.map((x) => [x.type, x.status, x.reason, x.message]),
      [
        ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
        ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
        ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
        ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
      ],
    );
    for (const x of c) {
      assert.equal(x.lastHeartbeatTime, T0);
      assert.equal(x.lastTransitionTime, T0);
    }
  });

  it("keeps lastTransitionTime while a status holds, moves it when it flips", () => {
    const c0 = nodeConditions(undefined, calm, healthy, T0);
    const c1 = nodeConditions(
      c0,
      { ...calm, disk: true },
      { ok: false, reason: "PLEG is not healthy: x" },
      T1,
    );
    const by = (cs: typeof c0, t: string) => cs.find((c) => c.type === t)!;
    assert.equal(by(c1, "MemoryPressure").lastTransitionTime, T0);
    assert.equal(by(c1, "MemoryPressure").lastHeartbeatTime, T1);
    assert.deepEqual(
      [
        by(c1, "DiskPressure").status,
        by(c1, "DiskPressure").reason,
        by(c1, "DiskPressure").lastTransitionTime,
      ],
      ["True", "KubeletHasDiskPressure", T1],
    );
    assert.deepEqual(by(c1, "Ready"), {
      type: "Ready",
      status: "False",
      reason: "KubeletNotReady",
      message: "PLEG is not healthy: x",
      lastHeartbeatTime: T1,
      lastTransitionTime: T1,
    });
    const c2 = nodeConditions(
      c1,
      { ...calm, disk: true },
      { ok: false, reason: "container runtime is down" },
      T2,
    );
    assert.equal(by(c2, "Ready").lastTransitionTime, T1, "a new message alone is no transition");
    assert.equal(by(c2, "Ready").message, "container runtime is down");
    assert.equal(nodeConditions(c2, calm, { ok: false }, T2)[3]!.message, "kubelet is not ready");
  });

  it("formats API times to the second", () => {
    assert.equal(apiTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05Z");
  });
});

describe("conditionEvents", () => {
  it("a fresh node records the three pressure events and no NodeReady (upstream's initial node)", () => {
    const c = nodeConditions(undefined, calm, healthy, T0);
    assert.deepEqual(conditionEvents(undefined, c), [
      "NodeHasSufficientMemory",
      "NodeHasNoDiskPressure",
      "NodeHasSufficientPID",
    ]);
  });

  it("nothing while nothing flips; each flip once, Ready both ways", () => {
    const c0 = nodeConditions(undefined, calm, healthy, T0);
    const same = nodeConditions(c0, calm, healthy, T1);
    assert.deepEqual(conditionEvents(c0, same), []);
    const sick = nodeConditions(same, { ...calm, memory: true }, { ok: false, reason: "runtime down" }, T2);
    assert.deepEqual(conditionEvents(same, sick), ["NodeHasInsufficientMemory", "NodeNotReady"]);
    const well = nodeConditions(sick, calm, healthy, T2);
    assert.deepEqual(conditionEvents(sick, well), ["NodeHasSufficientMemory", "NodeReady"]);
  });

  it("an adopted Node whose Ready was Unknown (node controller) records NodeReady", () => {
    const fromApi = nodeConditions(undefined, calm, healthy, T0).map((c) =>
      c.type === "Ready" ? { ...c, status: "Unknown" as const, reason: "NodeStatusUnknown" } : c,
    );
    assert.deepEqual(conditionEvents(fromApi, nodeConditions(fromApi, calm, healthy, T1)), ["NodeReady"]);
  });
});
