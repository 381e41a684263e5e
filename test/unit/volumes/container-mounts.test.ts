import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container } from "../../../agent/api/pod.ts";
import { containerMounts, validateSubPath } from "../../../agent/volumes/container-mounts.ts";

const volumes = new Map([
  ["data", { hostPath: "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/data", readOnly: false }],
  ["claim", { hostPath: "/srv/pv1", readOnly: true }],
]);
const podDir = "/var/lib/kubelet/pods/u1";

test("volumeMounts → CRI mounts with subPath, readOnly and propagation", () => {
  const c: Container = {
    name: "app",
    image: "busybox",
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "data", mountPath: "/conf", subPath: "conf/app/", readOnly: true },
      { name: "claim", mountPath: "/claim", mountPropagation: "HostToContainer" },
    ],
  };
  assert.deepEqual(containerMounts(c, volumes, podDir), [
    {
      containerPath: "/data",
      hostPath: `${podDir}/volumes/kubernetes.io~empty-dir/data`,
      readonly: false,
      propagation: "private",
    },
    {
      containerPath: "/conf",
      hostPath: `${podDir}/volumes/kubernetes.io~empty-dir/data/conf/app`,
      readonly: true,
      propagation: "private",
    },
    { containerPath: "/claim", hostPath: "/srv/pv1", readonly: true, propagation: "host-to-container" },
  ]);
});

test("/etc/hosts and the termination log are added unless the container mounts those paths itself", () => {
  const c: Container = { name: "app", image: "x", terminationMessagePath: "/tmp/msg" };
  assert.deepEqual(
    containerMounts(c, volumes, podDir, { etcHosts: true, terminationLogHostPath: "/t/log" }),
    [
      {
        containerPath: "/etc/hosts",
        hostPath: `${podDir}/etc-hosts`,
        readonly: false,
        propagation: "private",
      },
      { containerPath: "/tmp/msg", hostPath: "/t/log", readonly: false, propagation: "private" },
    ],
  );
  const own: Container = {
    name: "app",
    image: "x",
    volumeMounts: [{ name: "data", mountPath: "/etc/hosts", subPath: "hosts" }],
  };
  const mounts = containerMounts(own, volumes, podDir, { etcHosts: true, terminationLogHostPath: "/t/log" });
  assert.deepEqual(
    mounts.map((m) => [m.containerPath, m.hostPath]),
    [
      ["/etc/hosts", `${podDir}/volumes/kubernetes.io~empty-dir/data/hosts`],
      ["/dev/termination-log", "/t/log"],
    ],
  );
});

test("errors name the container and the reason", () => {
  const missing: Container = { name: "app", image: "x", volumeMounts: [{ name: "nope", mountPath: "/x" }] };
  assert.throws(
    () => containerMounts(missing, volumes, podDir),
    /container "app": cannot find volume "nope"/,
  );
  const bidi: Container = {
    name: "app",
    image: "x",
    volumeMounts: [{ name: "data", mountPath: "/x", mountPropagation: "Bidirectional" }],
  };
  assert.throws(() => containerMounts(bidi, volumes, podDir), /only to privileged containers/);
  assert.equal(
    containerMounts({ ...bidi, securityContext: { privileged: true } }, volumes, podDir)[0]?.propagation,
    "bidirectional",
  );
  const escaping: Container = {
    name: "app",
    image: "x",
    volumeMounts: [{ name: "data", mountPath: "/x", subPath: "../../etc" }],
  };
  assert.throws(
    () => containerMounts(escaping, volumes, podDir),
    /container "app": subPath "..\/..\/etc" must not contain ".."/,
  );
});

test("subPath validation", () => {
  assert.equal(validateSubPath("a/./b//c/"), "a/b/c");
  assert.equal(validateSubPath("."), "");
  assert.throws(() => validateSubPath("/etc"), /relative/);
  assert.throws(() => validateSubPath("a/../../b"), /\.\./);
  assert.equal(validateSubPath("..foo"), "..foo");
});
