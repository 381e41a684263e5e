import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  containerLimits,
  containerRequests,
  podLimits,
  podRequests,
} from "../../../agent/resources/pod-requests.ts";
import { ctr, pod, sidecar } from "./helpers.ts";

const Mi = 1024 * 1024;

describe("containerRequests / containerLimits", () => {
  it("parses cpu to milli and memory to bytes", () => {
    assert.deepEqual(containerRequests(ctr("a", { cpu: "250m", memory: "64Mi" })), {
      milliCPU: 250,
      memoryBytes: 64 * Mi,
    });
  });
  it("request defaults to limit per resource", () => {
    assert.deepEqual(containerRequests(ctr("a", { cpu: "100m" }, { cpu: "1", memory: "1Gi" })), {
      milliCPU: 100,
      memoryBytes: 1024 * Mi,
    });
  });
  it("nothing set → zeros", () => {
    assert.deepEqual(containerRequests(ctr("a")), { milliCPU: 0, memoryBytes: 0 });
    assert.deepEqual(containerLimits(ctr("a", { cpu: "1" })), { milliCPU: 0, memoryBytes: 0 });
  });
});

describe("podRequests (upstream AggregateContainerRequests)", () => {
  it("sums app containers", () => {
    const p = pod([ctr("a", { cpu: "100m", memory: "10Mi" }), ctr("b", { cpu: "200m", memory: "20Mi" })]);
    assert.deepEqual(podRequests(p), { milliCPU: 300, memoryBytes: 30 * Mi });
  });
  it("init containers: max over them, vs the app sum, per resource", () => {
    const p = pod(
      [ctr("a", { cpu: "100m", memory: "10Mi" }), ctr("b", { cpu: "200m", memory: "20Mi" })],
      [ctr("i1", { cpu: "1", memory: "5Mi" }), ctr("i2", { cpu: "500m", memory: "25Mi" })],
    );
    assert.deepEqual(podRequests(p), { milliCPU: 1000, memoryBytes: 30 * Mi });
  });
  it("sidecars add to the app sum and to later init containers", () => {
    // upstream KEP-753 example: sidecar 1 cpu; init after it 2 cpu → init peak 3; app 1 + sidecar 1 = 2
    const p = pod([ctr("a", { cpu: "1" })], [sidecar("s", { cpu: "1" }), ctr("i", { cpu: "2" })]);
    assert.equal(podRequests(p).milliCPU, 3000);
    // init before the sidecar does not see it
    const q = pod([ctr("a", { cpu: "1" })], [ctr("i", { cpu: "2" }), sidecar("s", { cpu: "1" })]);
    assert.equal(podRequests(q).milliCPU, 2000);
  });
  it("podLimits aggregates the same way", () => {
    const p = pod([ctr("a", undefined, { cpu: "1", memory: "1Gi" })], [ctr("i", undefined, { cpu: "2" })]);
    assert.deepEqual(podLimits(p), { milliCPU: 2000, memoryBytes: 1024 * Mi });
  });
});
