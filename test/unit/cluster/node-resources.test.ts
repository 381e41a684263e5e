import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allocatableList,
  capacityList,
  DEFAULT_EVICTION_HARD,
  type MachineCapacity,
  nodeAllocatable,
} from "../../../agent/cluster/node/resources.ts";

const Ki = 1024;
const Mi = 1024 * Ki;
const Gi = 1024 * Mi;

const machine: MachineCapacity = {
  milliCPU: 2000,
  memoryBytes: 8148084 * Ki,
  ephemeralStorageBytes: 102687672 * Ki,
  hugepages: { "2Mi": 0, "1Gi": 0 },
};
const none = { milliCPU: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };

describe("node capacity and allocatable", () => {
  it("defaults to the upstream hard eviction thresholds", () => {
    assert.deepEqual(DEFAULT_EVICTION_HARD, {
      memoryAvailable: { quantity: 100 * Mi },
      nodefsAvailable: { percentage: 0.1 },
      nodefsInodesFree: { percentage: 0.05 },
    });
  });

  it("reports capacity as the kubelet prints it", () => {
    assert.deepEqual(capacityList(machine, 110), {
      cpu: "2",
      "ephemeral-storage": "102687672Ki",
      memory: "8148084Ki",
      pods: "110",
      "hugepages-2Mi": "0",
      "hugepages-1Gi": "0",
    });
  });

  it("takes the eviction thresholds off memory and ephemeral-storage", () => {
    const a = nodeAllocatable(machine, 110, none);
    assert.equal(a.milliCPU, 2000);
    assert.equal(a.memoryBytes, 8148084 * Ki - 100 * Mi);
    assert.equal(a.ephemeralStorageBytes, 102687672 * Ki - Math.floor(102687672 * Ki * 0.1));
    assert.equal(a.pods, 110);
    assert.deepEqual(allocatableList(a), {
      cpu: "2",
      "ephemeral-storage": String(102687672 * Ki - Math.floor(102687672 * Ki * 0.1)),
      memory: "8045684Ki",
      pods: "110",
      "hugepages-2Mi": "0",
      "hugepages-1Gi": "0",
    });
  });

  it("subtracts kube+system reserved and hugepages, never below zero", () => {
    const a = nodeAllocatable({ ...machine, hugepages: { "2Mi": 512 * Mi } }, 50, {
      milliCPU: 100,
      memoryBytes: 1 * Gi,
      ephemeralStorageBytes: 1 * Gi,
    });
    assert.equal(a.milliCPU, 1900);
    assert.equal(allocatableList(a).cpu, "1900m");
    assert.equal(a.memoryBytes, 8148084 * Ki - Gi - 100 * Mi - 512 * Mi);
    assert.equal(a.ephemeralStorageBytes, 102687672 * Ki - Gi - Math.floor(102687672 * Ki * 0.1));
    assert.equal(allocatableList(a)["hugepages-2Mi"], "512Mi");
    const starved = nodeAllocatable(machine, 110, {
      milliCPU: 4000,
      memoryBytes: 64 * Gi,
      ephemeralStorageBytes: 0,
    });
    assert.equal(starved.milliCPU, 0);
    assert.equal(starved.memoryBytes, 0);
    assert.equal(allocatableList(starved).memory, "0");
  });

  it("honours absolute and percentage thresholds given explicitly", () => {
    const a = nodeAllocatable(machine, 110, none, {
      ...DEFAULT_EVICTION_HARD,
      memoryAvailable: { percentage: 0.5 },
      nodefsAvailable: { quantity: 1 * Gi },
    });
    assert.equal(a.memoryBytes, 8148084 * Ki - Math.floor(8148084 * Ki * 0.5));
    assert.equal(a.ephemeralStorageBytes, 102687672 * Ki - Gi);
  });
});
