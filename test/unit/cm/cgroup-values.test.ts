import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cpuSharesToWeight,
  cpuWeightToShares,
  limitsFromV1Files,
  limitsFromV2Files,
  v1Writes,
  v2Writes,
} from "../../../agent/cm/cgroup-values.ts";

test("shares → weight as upstream", () => {
  assert.equal(cpuSharesToWeight(2), 1);
  assert.equal(cpuSharesToWeight(1024), 39);
  assert.equal(cpuSharesToWeight(262144), 10000);
  assert.equal(cpuSharesToWeight(0), 0);
  for (const shares of [2, 102, 512, 1024, 4096, 262144]) {
    assert.equal(cpuSharesToWeight(cpuWeightToShares(cpuSharesToWeight(shares))), cpuSharesToWeight(shares));
  }
});

test("v1 writes: period before quota, unlimited as -1 / max", () => {
  assert.deepEqual(
    v1Writes({ cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: 67108864 }).map((w) => [
      w.file,
      w.value,
    ]),
    [
      ["cpu.shares", "512"],
      ["cpu.cfs_period_us", "100000"],
      ["cpu.cfs_quota_us", "50000"],
      ["memory.limit_in_bytes", "67108864"],
      ["pids.max", "max"],
    ],
  );
  assert.deepEqual(
    v1Writes({}).map((w) => [w.file, w.value]),
    [
      ["cpu.cfs_period_us", "100000"],
      ["cpu.cfs_quota_us", "-1"],
      ["memory.limit_in_bytes", "-1"],
      ["pids.max", "max"],
    ],
  );
});

test("v2 writes", () => {
  assert.deepEqual(
    v2Writes({
      cpuShares: 1024,
      cpuQuota: 20000,
      cpuPeriod: 100000,
      memoryLimitBytes: 1 << 20,
      pidsLimit: 100,
    }).map((w) => [w.file, w.value]),
    [
      ["cpu.weight", "39"],
      ["cpu.max", "20000 100000"],
      ["memory.max", "1048576"],
      ["pids.max", "100"],
    ],
  );
  assert.deepEqual(
    v2Writes({ cpuShares: 2 }).map((w) => [w.file, w.value]),
    [
      ["cpu.weight", "1"],
      ["cpu.max", "max 100000"],
      ["memory.max", "max"],
      ["pids.max", "max"],
    ],
  );
});

test("reading limits back", () => {
  assert.deepEqual(
    limitsFromV1Files({
      "cpu.shares": "1024\n",
      "cpu.cfs_quota_us": "-1\n",
      "cpu.cfs_period_us": "100000\n",
      "memory.limit_in_bytes": "9223372036854771712\n",
      "pids.max": "max\n",
    }),
    { cpuShares: 1024, cpuPeriod: 100000 },
  );
  assert.deepEqual(
    limitsFromV2Files({ "cpu.weight": "39\n", "cpu.max": "50000 100000\n", "memory.max": "4096\n" }),
    {
      cpuShares: cpuWeightToShares(39),
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memoryLimitBytes: 4096,
    },
  );
});
