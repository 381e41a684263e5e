// cgroup v2 cannot be produced on a v1 host, so this runs the manager on a prepared directory that
// stands in for the unified hierarchy (plain files where the kernel would have interface files).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CgroupManager } from "../../../agent/cm/cgroup-manager.ts";
import { silentLogger } from "../../../agent/log.ts";

const dir = await mkdtemp(join(tmpdir(), "nodelet-cgv2-"));
after(() => rm(dir, { recursive: true, force: true }));

test("v2: enables controllers down the tree and writes cpu.weight / cpu.max / memory.max", async () => {
  await writeFile(join(dir, "cgroup.controllers"), "cpuset cpu io memory pids\n");
  await writeFile(join(dir, "cgroup.subtree_control"), "");
  const cm = new CgroupManager({
    driver: "cgroupfs",
    root: "/",
    logger: silentLogger(),
    layout: { version: 2, hierarchies: [{ mountPoint: dir, controllers: [] }] },
  });
  const path = "/kubepods/burstable/podabc";
  await cm.ensure(path, { cpuShares: 1024, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: 67108864 });
  const read = (p: string) => readFile(join(dir, p), "utf8");
  assert.equal(await read("cgroup.subtree_control"), "+cpu +cpuset +memory +pids +io");
  assert.equal(await read(`${path}/cpu.weight`), "39");
  assert.equal(await read(`${path}/cpu.max`), "50000 100000");
  assert.equal(await read(`${path}/memory.max`), "67108864");
  assert.equal(await read(`${path}/pids.max`), "max");
  const limits = await cm.readLimits(path);
  assert.equal(limits.memoryLimitBytes, 67108864);
  assert.equal(limits.cpuQuota, 50000);
  await cm.update(path, { cpuShares: 2 });
  assert.equal(await read(`${path}/cpu.max`), "max 100000");
  assert.equal(await read(`${path}/memory.max`), "max");
  assert.deepEqual(await cm.listPodCgroups(), [{ path, uid: "abc" }]);
});

test("remove refuses the cgroup root", async () => {
  const cm = new CgroupManager({
    driver: "cgroupfs",
    root: "/",
    logger: silentLogger(),
    layout: { version: 2, hierarchies: [{ mountPoint: dir, controllers: [] }] },
  });
  await assert.rejects(cm.remove("/"), /refusing to remove the cgroup root/);
  const scoped = new CgroupManager({
    driver: "systemd",
    root: "/t",
    logger: silentLogger(),
    layout: { version: 2, hierarchies: [{ mountPoint: dir, controllers: [] }] },
  });
  await assert.rejects(scoped.remove("/t"), /refusing/);
  await assert.rejects(scoped.remove("/"), /refusing/);
});
