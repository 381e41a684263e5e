import assert from "node:assert/strict";
import { test } from "node:test";
import { cgroupMountPoints } from "../../harness/cgroups.ts";
import { mountsUnder } from "../../harness/mounts.ts";

const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "30 22 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "32 30 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  "40 22 0:50 / /tmp/ctd/state/a\\040b/rootfs rw - overlay overlay rw",
  "41 22 0:51 / /tmp/ctd/state/netns/cni-1 rw - nsfs nsfs rw",
  "42 22 0:52 / /tmp/ctd2/x rw - tmpfs tmpfs rw",
  "",
].join("\n");

test("finds cgroup v1 and v2 mount points", () => {
  assert.deepEqual(cgroupMountPoints(MOUNTINFO), ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"]);
});

test("finds the mounts strictly below a directory, unescaping octal escapes", () => {
  assert.deepEqual(mountsUnder("/tmp/ctd", MOUNTINFO), [
    "/tmp/ctd/state/a b/rootfs",
    "/tmp/ctd/state/netns/cni-1",
  ]);
});
