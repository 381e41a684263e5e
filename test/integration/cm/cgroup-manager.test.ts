// Real host cgroups: creates a private root in every hierarchy, removes it afterwards.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { detectCgroupLayout } from "../../../agent/cm/cgroup-layout.ts";
import { CgroupManager } from "../../../agent/cm/cgroup-manager.ts";
import { silentLogger } from "../../../agent/log.ts";
import { podCgroupLimits, podCgroupName, toCgroupfsPath } from "../../../agent/resources/pod-cgroup.ts";
import { qosClass } from "../../../agent/resources/qos.ts";

const root = `/nodelet-cmtest-${randomBytes(4).toString("hex")}`;
const layout = await detectCgroupLayout();
const mounts = [
  ...layout.hierarchies.map((h) => h.mountPoint),
  ...(layout.hybridUnified ? [layout.hybridUnified] : []),
];

async function rmTree(path: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) await rmTree(join(path, e));
  await rmdir(path).catch(() => {});
}

after(async () => {
  for (const m of mounts) await rmTree(join(m, root));
});

const read = (path: string) => readFile(path, "utf8").then((s) => s.trim());
const mountOf = (controller: string) => {
  const h = layout.hierarchies.find((x) => x.controllers.includes(controller));
  assert.ok(h, `${controller} hierarchy mounted`);
  return h.mountPoint;
};

test("burstable pod cgroup: create with limits, update, list, remove", {
  skip: layout.version !== 1,
}, async () => {
  const cm = new CgroupManager({ driver: "cgroupfs", root, logger: silentLogger() });
  const uid = randomUUID();
  const path = `${root}/kubepods/burstable/pod${uid}`;
  await cm.ensure(path, { cpuShares: 102, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: 67108864 });

  const mem = join(mountOf("memory"), path);
  const cpu = join(mountOf("cpu"), path);
  assert.equal(await read(join(mem, "memory.limit_in_bytes")), "67108864");
  assert.equal(await read(join(cpu, "cpu.cfs_quota_us")), "50000");
  assert.equal(await read(join(cpu, "cpu.cfs_period_us")), "100000");
  assert.equal(await read(join(cpu, "cpu.shares")), "102");
  // QoS parents exist in every hierarchy, with no limits.
  for (const m of layout.hierarchies.map((h) => h.mountPoint)) {
    for (const qos of ["kubepods", "kubepods/burstable", "kubepods/besteffort"]) {
      assert.ok((await readdir(join(m, root, qos))).length > 0, `${m}${root}/${qos}`);
    }
  }
  assert.equal(
    await read(join(mountOf("memory"), root, "kubepods/burstable/memory.limit_in_bytes")),
    "9223372036854771712",
  );
  if (layout.hierarchies.some((h) => h.controllers.includes("cpuset"))) {
    assert.notEqual(await read(join(mountOf("cpuset"), path, "cpuset.cpus")), "");
  }

  assert.equal(await cm.exists(path), true);
  assert.deepEqual(await cm.readLimits(path), {
    cpuShares: 102,
    cpuQuota: 50000,
    cpuPeriod: 100000,
    memoryLimitBytes: 67108864,
  });

  await cm.update(path, { cpuShares: 204, memoryLimitBytes: 134217728 });
  assert.equal(await read(join(mem, "memory.limit_in_bytes")), "134217728");
  assert.equal(await read(join(cpu, "cpu.cfs_quota_us")), "-1");
  assert.equal(await read(join(cpu, "cpu.shares")), "204");

  // Besteffort and guaranteed pods next to it; runc-style container cgroup below the pod.
  const uid2 = randomUUID();
  const uid3 = randomUUID();
  await cm.ensure(`${root}/kubepods/besteffort/pod${uid2}`, { cpuShares: 2 });
  await cm.ensure(`${root}/kubepods/pod${uid3}`, {
    cpuShares: 1024,
    cpuQuota: 100000,
    memoryLimitBytes: 1 << 26,
  });
  await cm.ensure(`${path}/container1`, {});
  assert.deepEqual((await cm.listPodCgroups()).map((p) => p.uid).sort(), [uid, uid2, uid3].sort());

  await cm.remove(path);
  assert.equal(await cm.exists(path), false);
  for (const m of mounts) {
    await assert.rejects(readdir(join(m, path)), { code: "ENOENT" });
  }
  await cm.remove(path); // idempotent
  await assert.rejects(cm.update(path, {}), /does not exist/);
  assert.equal((await cm.listPodCgroups()).length, 2);
});

test("remove waits for an exiting task (EBUSY retried)", { skip: layout.version !== 1 }, async () => {
  const cm = new CgroupManager({ driver: "cgroupfs", root, logger: silentLogger() });
  const path = `${root}/kubepods/besteffort/pod${randomUUID()}`;
  await cm.ensure(path, { cpuShares: 2 });
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const pid = child.pid;
    assert.ok(pid);
    await writeFile(join(mountOf("memory"), path, "cgroup.procs"), String(pid));
    // The task leaves shortly after remove() starts; the first rmdir fails with EBUSY.
    setTimeout(() => child.kill("SIGKILL"), 50);
    await cm.remove(path);
    assert.equal(await cm.exists(path), false);
  } finally {
    child.kill("SIGKILL");
  }
});

test("remove reports a cgroup that stays busy", { skip: layout.version !== 1 }, async () => {
  const cm = new CgroupManager({
    driver: "cgroupfs",
    root,
    logger: silentLogger(),
    removeRetries: 2,
    removeRetryDelayMs: 10,
  });
  const path = `${root}/kubepods/besteffort/pod${randomUUID()}`;
  await cm.ensure(path, { cpuShares: 2 });
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    await writeFile(join(mountOf("memory"), path, "cgroup.procs"), String(child.pid));
    await assert.rejects(cm.remove(path), /cannot remove cgroup .*EBUSY/);
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await cm.remove(path);
  }
});

test("systemd driver without systemd: .slice directories under cgroupfs", {
  skip: layout.version !== 1,
}, async () => {
  const cm = new CgroupManager({ driver: "systemd", root: `${root}/sd`, logger: silentLogger() });
  const uid = randomUUID();
  const slice = `kubepods-burstable-pod${uid.replaceAll("-", "_")}.slice`;
  await cm.ensure(slice, { cpuShares: 512, memoryLimitBytes: 67108864 });
  const dir = join(mountOf("memory"), root, "sd/kubepods.slice/kubepods-burstable.slice", slice);
  assert.equal(await read(join(dir, "memory.limit_in_bytes")), "67108864");
  assert.deepEqual(await cm.listPodCgroups(), [
    { path: `${root}/sd/kubepods.slice/kubepods-burstable.slice/${slice}`, uid },
  ]);
  // The expanded form (agent/resources toSystemdPath) names the same cgroup.
  assert.equal(await cm.exists(`/kubepods.slice/kubepods-burstable.slice/${slice}`), true);
  await cm.remove(slice);
  assert.deepEqual(await cm.listPodCgroups(), []);
});

test("wired to agent/resources: path and limits computed from a pod", {
  skip: layout.version !== 1,
}, async () => {
  const cm = new CgroupManager({ driver: "cgroupfs", root, logger: silentLogger() });
  const uid = randomUUID();
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid },
    spec: {
      containers: [
        {
          name: "c",
          image: "busybox",
          resources: { requests: { cpu: "100m" }, limits: { cpu: "500m", memory: "64Mi" } },
        },
      ],
    },
  };
  const path = toCgroupfsPath(podCgroupName(qosClass(pod), uid), root);
  assert.equal(path, `${root}/kubepods/burstable/pod${uid}`);
  await cm.ensure(path, podCgroupLimits(pod));
  const mem = join(mountOf("memory"), path);
  const cpu = join(mountOf("cpu"), path);
  assert.equal(await read(join(mem, "memory.limit_in_bytes")), "67108864");
  assert.equal(await read(join(cpu, "cpu.cfs_quota_us")), "50000");
  assert.equal(await read(join(cpu, "cpu.shares")), "102");
  await cm.remove(path);
});
