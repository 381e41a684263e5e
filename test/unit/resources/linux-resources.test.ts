import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clampOomScoreAdj,
  containerLinuxResources,
  milliCPUToQuota,
  milliCPUToShares,
  oomScoreAdj,
} from "../../../agent/resources/linux-resources.ts";
import { ctr, pod, sidecar } from "./helpers.ts";

const GiB = 1024 ** 3;
const NODE_MEM = 4 * GiB;

describe("milliCPUToShares / milliCPUToQuota", () => {
  const shares: [number, number][] = [
    [0, 2],
    [1, 2],
    [2, 2],
    [3, 3],
    [100, 102],
    [250, 256],
    [1000, 1024],
    [1500, 1536],
    [300000, 262144],
  ];
  for (const [m, s] of shares) it(`${m}m → ${s} shares`, () => assert.equal(milliCPUToShares(m), s));
  const quotas: [number, number][] = [
    [0, 0],
    [5, 1000],
    [9, 1000],
    [10, 1000],
    [200, 20000],
    [500, 50000],
    [1000, 100000],
    [1500, 150000],
  ];
  for (const [m, q] of quotas) it(`${m}m → quota ${q}`, () => assert.equal(milliCPUToQuota(m), q));
  it("quota scales with the period", () => assert.equal(milliCPUToQuota(500, 50000), 25000));
});

describe("containerLinuxResources", () => {
  it("request and limit", () => {
    const c = ctr("a", { cpu: "250m", memory: "64Mi" }, { cpu: "500m", memory: "128Mi" });
    assert.deepEqual(containerLinuxResources(pod([c]), c, NODE_MEM), {
      cpuShares: 256,
      cpuPeriod: 100000,
      cpuQuota: 50000,
      memoryLimitInBytes: 128 * 1024 * 1024,
      oomScoreAdj: 1000 - Math.trunc((1000 * 64 * 1024 * 1024) / NODE_MEM),
    });
  });
  it("limit without request: shares from the limit", () => {
    const c = ctr("a", undefined, { cpu: "1", memory: "1Gi" });
    const r = containerLinuxResources(pod([c]), c, NODE_MEM);
    assert.equal(r.cpuShares, 1024);
    assert.equal(r.cpuQuota, 100000);
    assert.equal(r.oomScoreAdj, -997);
  });
  it("explicit zero request with a limit keeps 2 shares (upstream)", () => {
    const c = ctr("a", { cpu: "0" }, { cpu: "1" });
    assert.equal(containerLinuxResources(pod([c]), c, NODE_MEM).cpuShares, 2);
  });
  it("besteffort: 2 shares, period but no quota, no memory limit", () => {
    const c = ctr("a");
    assert.deepEqual(containerLinuxResources(pod([c]), c, NODE_MEM), {
      cpuShares: 2,
      cpuPeriod: 100000,
      oomScoreAdj: 1000,
    });
  });
  it("cfs quota disabled → no period/quota", () => {
    const c = ctr("a", undefined, { cpu: "1" });
    const r = containerLinuxResources(pod([c]), c, NODE_MEM, { cpuCfsQuota: false });
    assert.equal(r.cpuPeriod, undefined);
    assert.equal(r.cpuQuota, undefined);
  });
  it("tiny cpu limit gets the 1 ms minimum quota", () => {
    const c = ctr("a", undefined, { cpu: "1m" });
    assert.equal(containerLinuxResources(pod([c]), c, NODE_MEM).cpuQuota, 1000);
  });
});

describe("oomScoreAdj (upstream GetContainerOOMScoreAdjust)", () => {
  const g = { cpu: "1", memory: "1Gi" };
  it("guaranteed → -997", () => {
    const c = ctr("a", g, g);
    assert.equal(oomScoreAdj(pod([c]), c, NODE_MEM), -997);
  });
  it("besteffort → 1000", () => {
    const c = ctr("a");
    assert.equal(oomScoreAdj(pod([c]), c, NODE_MEM), 1000);
  });
  const burstable: [string, number][] = [
    ["1Gi", 750], // 25 % of node memory
    ["0", 999], // 1000 would equal BestEffort → 999
    ["1", 999],
    ["4Gi", 3], // 100 % → 0 → clamped to 3
    ["8Gi", 3],
    ["409Mi", 901], // 1000 - trunc(99.85) = 901
  ];
  for (const [mem, want] of burstable) {
    it(`burstable with memory request ${mem} of 4Gi → ${want}`, () => {
      const c = ctr("a", { memory: mem, cpu: "100m" });
      assert.equal(oomScoreAdj(pod([c]), c, NODE_MEM), want);
    });
  }
  it("node-critical static pod → -997 even when besteffort", () => {
    const c = ctr("a");
    const p = pod([c], undefined, { priorityClassName: "system-node-critical" });
    p.metadata.annotations = { "kubernetes.io/config.source": "file" };
    assert.equal(oomScoreAdj(p, c, NODE_MEM), -997);
    // same class but from the API server and low priority: not critical
    p.metadata.annotations = { "kubernetes.io/config.source": "api" };
    assert.equal(oomScoreAdj(p, c, NODE_MEM), 1000);
    p.spec.priority = 2_000_001_000;
    assert.equal(oomScoreAdj(p, c, NODE_MEM), -997);
  });
  it("sidecar scores no higher than the smallest regular container", () => {
    const s = sidecar("s", { memory: "100Mi" });
    const p = pod([ctr("a", { memory: "2Gi" }), ctr("b", { memory: "1Gi" })], [s]);
    assert.equal(oomScoreAdj(p, s, NODE_MEM), 750);
    const big = sidecar("big", { memory: "3Gi" });
    const q = pod([ctr("a", { memory: "1Gi" })], [big]);
    assert.equal(oomScoreAdj(q, big, NODE_MEM), 250);
  });
  it("clampOomScoreAdj raises values below the allowed minimum", () => {
    assert.equal(clampOomScoreAdj(-997, 0), 0);
    assert.equal(clampOomScoreAdj(500, 0), 500);
    assert.equal(clampOomScoreAdj(-997, -999), -997);
    assert.equal(clampOomScoreAdj(1000, 0), 1000);
  });
});
