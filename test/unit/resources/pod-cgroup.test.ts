import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  podCgroupLimits,
  podCgroupName,
  qosCgroupName,
  toCgroupfsPath,
  toSystemdPath,
} from "../../../agent/resources/pod-cgroup.ts";
import { ctr, pod } from "./helpers.ts";

const uid = "8d3a9c1e-1b2c-4d5e-8f90-123456789abc";

describe("pod cgroup names", () => {
  it("segments per QoS", () => {
    assert.deepEqual(podCgroupName("Burstable", uid), ["kubepods", "burstable", `pod${uid}`]);
    assert.deepEqual(podCgroupName("BestEffort", uid), ["kubepods", "besteffort", `pod${uid}`]);
    assert.deepEqual(podCgroupName("Guaranteed", uid), ["kubepods", `pod${uid}`]);
    assert.deepEqual(qosCgroupName("Guaranteed"), ["kubepods"]);
    assert.deepEqual(qosCgroupName("BestEffort"), ["kubepods", "besteffort"]);
  });
  it("cgroupfs paths", () => {
    assert.equal(toCgroupfsPath(podCgroupName("Burstable", uid)), `/kubepods/burstable/pod${uid}`);
    assert.equal(
      toCgroupfsPath(podCgroupName("Guaranteed", uid), "/nodelet/"),
      `/nodelet/kubepods/pod${uid}`,
    );
  });
  it("systemd paths escape '-' and nest slices", () => {
    const esc = uid.replace(/-/g, "_");
    assert.equal(
      toSystemdPath(podCgroupName("Burstable", uid)),
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${esc}.slice`,
    );
    assert.equal(toSystemdPath(podCgroupName("Guaranteed", uid)), `/kubepods.slice/kubepods-pod${esc}.slice`);
    assert.equal(toSystemdPath([]), "/");
  });
});

describe("podCgroupLimits (upstream ResourceConfigForPod)", () => {
  it("besteffort: only 2 shares", () => {
    assert.deepEqual(podCgroupLimits(pod([ctr("a")])), { cpuShares: 2 });
  });
  it("guaranteed: shares, quota, period, memory", () => {
    const l = { cpu: "500m", memory: "128Mi" };
    assert.deepEqual(podCgroupLimits(pod([ctr("a", l, l), ctr("b", l, l)])), {
      cpuShares: 1024,
      cpuQuota: 100000,
      cpuPeriod: 100000,
      memoryLimitBytes: 256 * 1024 * 1024,
    });
  });
  it("burstable with every limit declared", () => {
    const p = pod([ctr("a", { cpu: "100m" }, { cpu: "1", memory: "1Gi" })]);
    assert.deepEqual(podCgroupLimits(p), {
      cpuShares: 102,
      cpuQuota: 100000,
      cpuPeriod: 100000,
      memoryLimitBytes: 1024 ** 3,
    });
  });
  it("burstable with one container lacking limits: shares only", () => {
    const p = pod([ctr("a", { cpu: "100m" }, { cpu: "1", memory: "1Gi" }), ctr("b", { cpu: "200m" })]);
    assert.deepEqual(podCgroupLimits(p), { cpuShares: 307 });
  });
  it("burstable: memory limited everywhere, cpu not", () => {
    const p = pod([ctr("a", { cpu: "100m" }, { memory: "64Mi" }), ctr("b", undefined, { memory: "64Mi" })]);
    assert.deepEqual(podCgroupLimits(p), { cpuShares: 102, memoryLimitBytes: 128 * 1024 * 1024 });
  });
  it("an init container without limits blocks the pod limit", () => {
    const p = pod([ctr("a", { cpu: "100m" }, { cpu: "1", memory: "1Gi" })], [ctr("i", { cpu: "100m" })]);
    assert.deepEqual(podCgroupLimits(p), { cpuShares: 102 });
  });
  it("init container larger than the apps raises the pod values", () => {
    const p = pod(
      [ctr("a", { cpu: "100m" }, { cpu: "1", memory: "1Gi" })],
      [ctr("i", { cpu: "2" }, { cpu: "2", memory: "2Gi" })],
    );
    assert.deepEqual(podCgroupLimits(p), {
      cpuShares: 2048,
      cpuQuota: 200000,
      cpuPeriod: 100000,
      memoryLimitBytes: 2 * 1024 ** 3,
    });
  });
  it("cfs quota disabled → quota -1 (unlimited)", () => {
    const l = { cpu: "1", memory: "1Gi" };
    assert.equal(podCgroupLimits(pod([ctr("a", l, l)]), { cpuCfsQuota: false }).cpuQuota, -1);
  });
});
