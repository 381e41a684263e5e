// Readiness on real pods: Ready follows a file the test creates and removes (no restart ever),
// visible in the container status, the pod conditions and `nodelet get pods`; and an exec probe
// slower than its timeoutSeconds fails instead of waiting for the command.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Pod } from "../../../agent/api/pod.ts";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, startNodelet } from "../../harness/nodelet.ts";
import { conditionStatus, findLogLine, findPod, getPodsTable, lineTime, podManifest } from "./helpers.ts";

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

describe("readiness probes in real pods", { concurrency: true }, () => {
  it("flips Ready false/true as a file appears and disappears, without restarting", async () => {
    const ctl = join(ctd.dir, "ready-ctl");
    mkdirSync(ctl, { recursive: true });
    nodelet.writeManifest(
      "flip.yaml",
      podManifest(
        "flip",
        `  terminationGracePeriodSeconds: 1
  volumes: [{name: ctl, hostPath: {path: ${ctl}, type: Directory}}]
  containers:
  - name: app
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    volumeMounts: [{name: ctl, mountPath: /ctl}]
    readinessProbe:
      exec: {command: [cat, /ctl/ready]}
      periodSeconds: 1
      failureThreshold: 1
`,
      ),
    );
    const state = (p: Pod | undefined) => {
      const cs = containerStatus(p, "app");
      return {
        ready: cs?.ready,
        containersReady: conditionStatus(p, "ContainersReady"),
        podReady: conditionStatus(p, "Ready"),
        restartCount: cs?.restartCount,
        containerID: cs?.containerID,
      };
    };
    const notReady = await nodelet.waitFor("flip running, probed", (pods) => {
      const p = findPod(pods, "flip");
      return containerStatus(p, "app")?.state.running &&
        findLogLine(nodelet, (l) => l.container === "app" && l.probe === "readiness")
        ? p
        : undefined;
    });
    const id = containerStatus(notReady, "app")?.containerID;
    const expect = (ready: boolean) => ({
      ready,
      containersReady: ready ? "True" : "False",
      podReady: ready ? "True" : "False",
      restartCount: 0,
      containerID: id,
    });
    assert.deepEqual(state(notReady), expect(false));
    assert.deepEqual((await getPodsTable(nodelet))["flip-test-node"], ["0/1", "Running", "0"]);

    for (const ready of [true, false, true, false]) {
      const t0 = Date.now();
      if (ready) writeFileSync(join(ctl, "ready"), "ok");
      else rmSync(join(ctl, "ready"));
      const p = await nodelet.waitFor(`flip ready=${ready}`, (pods) => {
        const x = findPod(pods, "flip");
        return containerStatus(x, "app")?.ready === ready &&
          conditionStatus(x, "Ready") === (ready ? "True" : "False")
          ? x
          : undefined;
      });
      // One period (1 s) plus status propagation; 4 s leaves room for a loaded machine.
      assert.ok(Date.now() - t0 < 4000, `Ready=${ready} took ${Date.now() - t0} ms`);
      assert.deepEqual(state(p), expect(ready));
      assert.deepEqual((await getPodsTable(nodelet))["flip-test-node"], [
        ready ? "1/1" : "0/1",
        "Running",
        "0",
      ]);
    }
    assert.equal(
      findLogLine(
        nodelet,
        (l) => l.container === "app" && typeof l.msg === "string" && l.msg.startsWith("killing"),
      ),
      undefined,
      "readiness never kills",
    );
    rmSync(join(nodelet.manifestsDir, "flip.yaml"));
  });

  it("fails an exec probe that runs longer than timeoutSeconds", async () => {
    // `sleep 5` exits 0: if the 1 s timeout were not enforced the pod would become Ready.
    nodelet.writeManifest(
      "slowexec.yaml",
      podManifest(
        "slowexec",
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: slow
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe:
      exec: {command: [sh, -c, "sleep 5"]}
      timeoutSeconds: 1
      periodSeconds: 2
      failureThreshold: 1
`,
      ),
    );
    await nodelet.waitFor("slowexec running", (pods) =>
      containerStatus(findPod(pods, "slowexec"), "slow")?.state.running ? true : undefined,
    );
    const started = findLogLine(nodelet, (l) => l.container === "slow" && l.msg === "container started");
    const failed = await nodelet.waitFor("slowexec probe failure logged", () =>
      findLogLine(
        nodelet,
        (l) =>
          l.container === "slow" && typeof l.msg === "string" && l.msg.startsWith("readiness probe failed"),
      ),
    );
    assert.match(String(failed.msg), /timed out/);
    // Readiness probes once right away and failureThreshold is 1, so the result is decided by the
    // first probe: about 1 s (its timeout) after the start, long before the 5 s sleep would end.
    // 3 s leaves 2 s for ExecSync overhead on a loaded machine.
    const after = lineTime(failed) - lineTime(started);
    assert.ok(after >= 900 && after < 3000, `the timed-out probe failed ${after} ms after start`);
    // Watch two more periods past the point where `sleep 5` would have finished.
    for (let i = 0; i < 7; i++) {
      const p = await nodelet.pod("slowexec");
      assert.equal(containerStatus(p, "slow")?.ready, false);
      assert.equal(conditionStatus(p, "Ready"), "False");
      assert.equal(containerStatus(p, "slow")?.restartCount, 0);
      await sleep(1000);
    }
    rmSync(join(nodelet.manifestsDir, "slowexec.yaml"));
  });
});
