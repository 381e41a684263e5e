import assert from "node:assert/strict";
import { test } from "node:test";
import { hierarchyFor, parseCgroupLayout } from "../../../agent/cm/cgroup-layout.ts";

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

test("hybrid v1: one hierarchy per mount, cgroup2 kept aside", () => {
  const layout = parseCgroupLayout(HYBRID);
  assert.equal(layout.version, 1);
  assert.deepEqual(
    layout.hierarchies.map((h) => [h.mountPoint, h.controllers]),
    [
      ["/sys/fs/cgroup/cpu", ["cpu"]],
      ["/sys/fs/cgroup/cpuacct", ["cpuacct"]],
      ["/sys/fs/cgroup/memory", ["memory"]],
      ["/sys/fs/cgroup/pids", ["pids"]],
      ["/sys/fs/cgroup/systemd", ["name=systemd"]],
    ],
  );
  assert.equal(layout.hybridUnified, "/sys/fs/cgroup/unified");
  assert.equal(hierarchyFor(layout, "memory")?.mountPoint, "/sys/fs/cgroup/memory");
});

test("joined cpu,cpuacct hierarchy and duplicate mounts of one hierarchy", () => {
  const layout = parseCgroupLayout(
    [
      "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct",
      "26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory",
      "90 24 0:23 / /mnt/memory\\040again rw - cgroup cgroup rw,memory",
    ].join("\n"),
  );
  assert.equal(layout.hierarchies.length, 2);
  assert.equal(hierarchyFor(layout, "cpu")?.mountPoint, "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(hierarchyFor(layout, "cpuacct")?.mountPoint, "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(layout.hybridUnified, undefined);
});

test("pure cgroup v2", () => {
  const layout = parseCgroupLayout(
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
  );
  assert.deepEqual(layout, { version: 2, hierarchies: [{ mountPoint: "/sys/fs/cgroup", controllers: [] }] });
});

test("no cgroup mount is an error", () => {
  assert.throws(() => parseCgroupLayout("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"), /no cgroup filesystem/);
});
