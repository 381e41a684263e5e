// Resource limits land in the host's cgroups; a memory hog is OOMKilled at its limit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, startNodelet } from "../../harness/nodelet.ts";

let ctd: ContainerdHandle;
let nodelet: NodeletHandle;

before(async () => {
  ctd = await startContainerd();
  nodelet = await startNodelet(ctd);
});
after(async () => {
  await nodelet?.stop();
  await ctd?.stop();
});

const cgroupFile = (controller: string, path: string, file: string) =>
  readFileSync(`/sys/fs/cgroup/${controller}${path}/${file}`, "utf8").trim();
const containerId = (id: string | undefined) => id?.replace(/^containerd:\/\//, "") ?? "";

describe("resources and cgroups", () => {
  it("puts CPU shares and quota on the pod and container cgroups", async () => {
    nodelet.writeManifest(
      "cpu.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: cpu}
spec:
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    resources: {requests: {cpu: 250m, memory: 16Mi}, limits: {cpu: 500m, memory: 64Mi}}
`,
    );
    const pod = await nodelet.waitFor("cpu running", (pods) => {
      const p = pods.find((x) => x.metadata.name === "cpu-test-node");
      return containerStatus(p, "c")?.state.running ? p : undefined;
    });
    assert.equal(pod.status?.qosClass, "Burstable");
    const podPath = `${ctd.cgroupRoot}/kubepods/burstable/pod${pod.metadata.uid}`;
    const cPath = `${podPath}/${containerId(containerStatus(pod, "c")?.containerID)}`;
    assert.equal(cgroupFile("cpu", podPath, "cpu.shares"), "256");
    assert.equal(cgroupFile("cpu", podPath, "cpu.cfs_quota_us"), "50000");
    assert.equal(cgroupFile("cpu", podPath, "cpu.cfs_period_us"), "100000");
    assert.equal(cgroupFile("memory", podPath, "memory.limit_in_bytes"), String(64 * 1024 * 1024));
    assert.equal(cgroupFile("cpu", cPath, "cpu.shares"), "256");
    assert.equal(cgroupFile("cpu", cPath, "cpu.cfs_quota_us"), "50000");
    assert.equal(cgroupFile("memory", cPath, "memory.limit_in_bytes"), String(64 * 1024 * 1024));
  });

  it("puts a Guaranteed pod directly under kubepods", async () => {
    nodelet.writeManifest(
      "guaranteed.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: guaranteed}
spec:
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    resources: {limits: {cpu: "1", memory: 32Mi}}
`,
    );
    const pod = await nodelet.waitFor("guaranteed running", (pods) => {
      const p = pods.find((x) => x.metadata.name === "guaranteed-test-node");
      return containerStatus(p, "c")?.state.running ? p : undefined;
    });
    assert.equal(pod.status?.qosClass, "Guaranteed");
    const podPath = `${ctd.cgroupRoot}/kubepods/pod${pod.metadata.uid}`;
    assert.equal(cgroupFile("cpu", podPath, "cpu.shares"), "1024");
    assert.equal(cgroupFile("cpu", podPath, "cpu.cfs_quota_us"), "100000");
    assert.equal(cgroupFile("memory", podPath, "memory.limit_in_bytes"), String(32 * 1024 * 1024));
  });

  it("OOM-kills a memory hog at its limit and reports OOMKilled with exit code 137", async () => {
    nodelet.writeManifest(
      "hog.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "sleep 1; dd if=/dev/zero of=/dev/null bs=96M count=1"]
    resources: {limits: {memory: 32Mi}}
`,
    );
    const running = await nodelet.waitFor("hog started", (pods) => {
      const p = pods.find((x) => x.metadata.name === "hog-test-node");
      const cs = containerStatus(p, "hog");
      return cs?.state.running || cs?.state.terminated ? p : undefined;
    });
    const cPath = `${ctd.cgroupRoot}/kubepods/burstable/pod${running.metadata.uid}/${containerId(containerStatus(running, "hog")?.containerID)}`;
    if (containerStatus(running, "hog")?.state.running) {
      assert.equal(cgroupFile("memory", cPath, "memory.limit_in_bytes"), String(32 * 1024 * 1024));
    }
    const pod = await nodelet.waitFor("hog OOMKilled", (pods) => {
      const p = pods.find((x) => x.metadata.name === "hog-test-node");
      return p?.status?.phase === "Failed" ? p : undefined;
    });
    const t = containerStatus(pod, "hog")!.state.terminated!;
    assert.equal(t.reason, "OOMKilled");
    assert.equal(t.exitCode, 137);
  });
});
