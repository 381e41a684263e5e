// Pod lifecycle on a real containerd: init order, crash-loop back-off, status, termination.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
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
  nodelet = await startNodelet(ctd, { extraArgs: ["--crashloop-initial", "1s", "--crashloop-max", "4s"] });
});
after(async () => {
  await nodelet?.stop();
  await ctd?.stop();
});

const ms = (t: string | undefined) => (t ? Date.parse(t) : Number.NaN);

describe("pod lifecycle", () => {
  it("runs init containers strictly in order, then the app container", async () => {
    nodelet.writeManifest(
      "init.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: init-order}
spec:
  initContainers:
  - {name: first, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "sleep 1; echo first >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "echo second >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "cat /work/order; sleep 3600"], volumeMounts: [{name: work, mountPath: /work}]}
  volumes: [{name: work, emptyDir: {}}]
`,
    );
    const pending = await nodelet.waitFor("init-order Init:0/2 status", (pods) => {
      const p = pods.find((x) => x.metadata.name === "init-order-test-node");
      return p?.status?.phase === "Pending" && containerStatus(p, "first")?.state.running ? p : undefined;
    });
    assert.equal(containerStatus(pending, "second")?.state.waiting?.reason, "PodInitializing");
    assert.equal(containerStatus(pending, "app")?.state.waiting?.reason, "PodInitializing");
    const pod = await nodelet.waitFor("init-order running", (pods) => {
      const p = pods.find((x) => x.metadata.name === "init-order-test-node");
      return p?.status?.phase === "Running" && containerStatus(p, "app")?.ready ? p : undefined;
    });
    const first = containerStatus(pod, "first")!.state.terminated!;
    const second = containerStatus(pod, "second")!.state.terminated!;
    const app = containerStatus(pod, "app")!.state.running!;
    assert.equal(first.exitCode, 0);
    assert.equal(first.reason, "Completed");
    assert.ok(ms(first.finishedAt) <= ms(second.startedAt), "second started after first finished");
    assert.ok(ms(second.finishedAt) <= ms(app.startedAt), "app started after second finished");
    assert.deepEqual(
      pod.status?.conditions?.filter((c) => c.type !== "PodScheduled").map((c) => [c.type, c.status]),
      [
        ["PodReadyToStartContainers", "True"],
        ["Initialized", "True"],
        ["Ready", "True"],
        ["ContainersReady", "True"],
      ],
    );
    const log = readFileSync(
      join(nodelet.podLogsDir, `default_init-order-test-node_${pod.metadata.uid}`, "app", "0.log"),
      "utf8",
    );
    assert.match(log, / stdout F first\n.* stdout F second\n/);
  });

  it("restarts a crash-looping container with the back-off doubling up to its maximum", async () => {
    nodelet.writeManifest(
      "crash.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "echo boom; exit 3"]}
`,
    );
    // Collect each instance's start time as restarts happen.
    const starts = new Map<number, number>();
    const finishes = new Map<number, number>();
    let sawBackOff = false;
    await nodelet.waitFor(
      "5 restarts",
      (pods) => {
        const cs = containerStatus(
          pods.find((p) => p.metadata.name === "crasher-test-node"),
          "c",
        );
        if (!cs) return false;
        const term = cs.state.terminated ?? cs.lastState.terminated;
        if (cs.state.waiting?.reason === "CrashLoopBackOff") {
          sawBackOff = true;
          assert.match(
            cs.state.waiting.message ?? "",
            /^back-off \d+s restarting failed container=c pod=crasher-test-node_default\(/,
          );
        }
        if (term) {
          const n = cs.state.terminated ? cs.restartCount : cs.restartCount - (cs.state.running ? 1 : 0);
          starts.set(n, ms(term.startedAt));
          finishes.set(n, ms(term.finishedAt));
          assert.equal(term.exitCode, 3);
        }
        return cs.restartCount >= 5 && starts.has(4) ? cs : undefined;
      },
      60_000,
    );
    assert.ok(sawBackOff, "status showed CrashLoopBackOff");
    // gap before restart n = start(n) - finish(n-1); expected back-off 0 (first restart), 1, 2, 4, 4 s
    const expected = [0, 1000, 2000, 4000];
    for (let n = 1; n <= 4; n++) {
      const gap = starts.get(n)! - finishes.get(n - 1)!;
      const want = expected[n - 1]!;
      assert.ok(gap >= want - 200, `restart ${n} came after ${gap} ms, back-off is ${want} ms`);
      assert.ok(gap <= want + 2500, `restart ${n} came after ${gap} ms, expected about ${want} ms`);
    }
    const backoffLines = nodelet
      .logLines()
      .filter((l) => l.msg === "back-off restarting failed container" && l.container === "c");
    assert.ok(backoffLines.length > 0, "back-off decisions are logged with the container");
    rmSync(join(nodelet.manifestsDir, "crash.yaml"));
  });

  it("reports Completed and Succeeded for a pod that finishes under restartPolicy Never", async () => {
    nodelet.writeManifest(
      "once.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "echo done > /dev/termination-log"]}
`,
    );
    const pod = await nodelet.waitFor("once Succeeded", (pods) => {
      const p = pods.find((x) => x.metadata.name === "once-test-node");
      return p?.status?.phase === "Succeeded" ? p : undefined;
    });
    const t = containerStatus(pod, "c")!.state.terminated!;
    assert.equal(t.reason, "Completed");
    assert.equal(t.exitCode, 0);
    assert.equal(t.message, "done\n");
    assert.equal(pod.status?.conditions?.find((c) => c.type === "Ready")?.reason, "PodCompleted");
    rmSync(join(nodelet.manifestsDir, "once.yaml"));
  });

  it("terminates gracefully: preStop first, then the stop signal, KILL after the grace period, and removes everything", async () => {
    const hostDir = mkdtempSync(join(ctd.dir, "prestop-"));
    nodelet.writeManifest(
      "graceful.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: polite
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "trap 'echo term $(cat /proc/uptime) >> /out/events; exit 0' TERM; while true; do sleep 0.1; done"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo poststart $(cat /proc/uptime) >> /out/events"]}
      preStop:
        exec: {command: [sh, -c, "echo prestop $(cat /proc/uptime) >> /out/events; sleep 1"]}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: stubborn
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
  volumes:
  - {name: out, hostPath: {path: ${hostDir}, type: Directory}}
`,
    );
    const pod = await nodelet.waitFor("graceful running", (pods) => {
      const p = pods.find((x) => x.metadata.name === "graceful-test-node");
      return p?.status?.phase === "Running" &&
        p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? p
        : undefined;
    });
    const uid = pod.metadata.uid!;
    const podCgroup = `/sys/fs/cgroup/memory${ctd.cgroupRoot}/kubepods/besteffort/pod${uid}`;
    assert.ok(existsSync(podCgroup), `pod cgroup ${podCgroup} exists while the pod runs`);
    const t0 = Date.now();
    rmSync(join(nodelet.manifestsDir, "graceful.yaml"));
    await nodelet.waitFor(
      "graceful gone",
      (pods) => !pods.some((p) => p.metadata.name === "graceful-test-node"),
      30_000,
    );
    // the pod leaves the list at once; wait for the teardown to finish
    for (let i = 0; i < 200 && existsSync(podCgroup); i++) await new Promise((r) => setTimeout(r, 100));
    const elapsed = Date.now() - t0;
    const events = readFileSync(join(hostDir, "events"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    assert.deepEqual(
      events.map((e) => e[0]),
      ["poststart", "prestop", "term"],
      "preStop ran before the stop signal",
    );
    const gapMs = (Number(events[2]![1]) - Number(events[1]![1])) * 1000;
    assert.ok(gapMs >= 900, `TERM came ${gapMs} ms after preStop started (preStop takes 1 s)`);
    assert.ok(
      elapsed >= 3500,
      `the TERM-ignoring container was killed only after the 4 s grace period (${elapsed} ms)`,
    );
    assert.ok(elapsed < 15_000, `teardown finished in ${elapsed} ms`);
    assert.ok(!existsSync(podCgroup), "pod cgroup removed");
    assert.ok(!existsSync(join(nodelet.rootDir, "pods", uid)), "pod directory (volumes) removed");
    assert.ok(!existsSync(join(nodelet.podLogsDir, `default_graceful-test-node_${uid}`)), "pod logs removed");
  });
});
