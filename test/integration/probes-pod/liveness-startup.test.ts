// Liveness and startup probes on real pods (containerd + nodelet from dist/): a liveness failure
// restarts the container after failureThreshold × periodSeconds, a startup probe holds liveness
// off until it succeeds, a failing startup probe restarts, and a sidecar's startup probe gates the
// next init container.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, startNodelet } from "../../harness/nodelet.ts";
import { containerLogTime, findLogLine, findPod, getPodsTable, lineTime, podManifest } from "./helpers.ts";

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

const isFor = (container: string, msg: RegExp) => (l: Record<string, unknown>) =>
  l.container === container && typeof l.msg === "string" && msg.test(l.msg);

// The pods are independent; running them side by side keeps the file's wall time down.
describe("liveness and startup probes in real pods", { concurrency: true }, () => {
  it("restarts a container whose liveness endpoint disappears, after failureThreshold × periodSeconds", async (t) => {
    // httpd serves /healthz; 4 s after start the container deletes it and says so on stdout,
    // so containerd's log timestamp tells the test exactly when the endpoint went away.
    nodelet.writeManifest(
      "live.yaml",
      podManifest(
        "live",
        `  terminationGracePeriodSeconds: 30
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "mkdir -p /www && echo ok > /www/healthz && httpd -p 8080 -h /www && sleep 4 && rm /www/healthz && echo removed && exec sleep 3600"]
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: 3
      terminationGracePeriodSeconds: 1
`,
      ),
    );
    const restarted = await nodelet.waitFor(
      "live restarted once",
      (pods) => {
        const p = findPod(pods, "live");
        const cs = containerStatus(p, "web");
        return cs && cs.restartCount >= 1 && cs.lastState.terminated ? p : undefined;
      },
      40_000,
    );
    const removedAt = containerLogTime(nodelet, restarted, "web", "removed");
    assert.ok(removedAt !== undefined, "the container logged the removal of /healthz");
    const failed = findLogLine(nodelet, isFor("web", /^liveness probe failed: /));
    const killing = findLogLine(nodelet, isFor("web", /^killing container: /));
    const started = findLogLine(
      nodelet,
      (l) => l.container === "web" && l.msg === "container started" && l.restartCount === 1,
    );
    assert.ok(failed && killing && started, "probe failure, kill and restart are logged");
    // Probes fire on a 1 s grid, so the first failing probe comes within [0, 1) s of the removal
    // and the third consecutive one within [2, 3) s. Lower bound: 2 s less 100 ms for the two
    // clocks (containerd's log stamp vs nodelet's pino time). Upper bound: 3 s plus 1.5 s for
    // timer lateness and HTTP round trips on a loaded 2-core machine.
    const detection = lineTime(failed) - removedAt;
    t.diagnostic(`liveness failure declared ${detection} ms after the endpoint went away`);
    assert.ok(detection >= 1900, `liveness failure declared ${detection} ms after the removal (< 2 s)`);
    assert.ok(
      detection <= 4500,
      `liveness failure declared ${detection} ms after the removal (> 3 s + slack)`,
    );
    assert.match(String(failed.msg), /HTTP probe failed with statuscode: 404/);
    assert.equal(failed.probe, "liveness");
    // Killed with the probe's own grace period (1 s), not the pod's 30 s.
    assert.match(String(killing.msg), /Container web failed liveness probe, will be restarted/);
    assert.equal(killing.gracePeriodSeconds, 1);
    assert.ok(lineTime(killing) - lineTime(failed) < 1500, "the kill follows the failure at once");
    // sh ignores SIGTERM as PID 1: the 1 s grace period runs out, then the restart.
    const downtime = lineTime(started) - lineTime(killing);
    assert.ok(downtime >= 900 && downtime < 5000, `restarted ${downtime} ms after the kill began`);
    const cs = containerStatus(restarted, "web")!;
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState.terminated?.exitCode, 137);
    assert.equal(cs.lastState.terminated?.reason, "Error");
    const row = (await getPodsTable(nodelet))["live-test-node"];
    assert.ok(Number(row?.[2]) >= 1, `nodelet get pods counts the liveness restart: ${row}`);
    // The pod stays: removing it would make the daemon's stop wait out the pod's 30 s grace period.
  });

  it("keeps liveness off while a startup probe (failureThreshold 30) has not succeeded", async () => {
    // Startup and liveness both check /ctl/up, a file the test controls through a hostPath. Without
    // the startup gate the liveness probe (failureThreshold 1) would kill the container at once.
    const ctl = join(ctd.dir, "startup-ctl");
    mkdirSync(ctl, { recursive: true });
    nodelet.writeManifest(
      "slowstart.yaml",
      podManifest(
        "slowstart",
        `  terminationGracePeriodSeconds: 1
  volumes: [{name: ctl, hostPath: {path: ${ctl}, type: Directory}}]
  containers:
  - name: app
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    volumeMounts: [{name: ctl, mountPath: /ctl}]
    startupProbe:
      exec: {command: [cat, /ctl/up]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: [cat, /ctl/up]}
      periodSeconds: 1
      failureThreshold: 1
`,
      ),
    );
    const running = await nodelet.waitFor("slowstart running", (pods) => {
      const cs = containerStatus(findPod(pods, "slowstart"), "app");
      return cs?.state.running ? cs : undefined;
    });
    assert.equal(running.started, false);
    assert.equal(running.ready, false);
    // Five seconds of failing startup probes: neither liveness nor anything else restarts it.
    await sleep(5000);
    let cs = containerStatus(await nodelet.pod("slowstart"), "app")!;
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.started, false);
    assert.ok(cs.state.running);
    assert.equal(findLogLine(nodelet, isFor("app", /^liveness probe failed/)), undefined);
    const upAt = Date.now();
    writeFileSync(join(ctl, "up"), "");
    cs = await nodelet.waitFor("slowstart started", (pods) => {
      const c = containerStatus(findPod(pods, "slowstart"), "app");
      return c?.started ? c : undefined;
    });
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.ready, true, "no readiness probe: ready once started");
    assert.ok(Date.now() - upAt < 4000, "started within a couple of periods");
    // Once started, liveness is on: the file goes away and liveness (failureThreshold 1) restarts it.
    rmSync(join(ctl, "up"));
    cs = await nodelet.waitFor("slowstart restarted by liveness", (pods) => {
      const c = containerStatus(findPod(pods, "slowstart"), "app");
      return c && c.restartCount >= 1 ? c : undefined;
    });
    assert.ok(findLogLine(nodelet, isFor("app", /^liveness probe failed/)));
    assert.equal(cs.started, false, "the new instance starts over with startup pending");
    rmSync(join(nodelet.manifestsDir, "slowstart.yaml"));
  });

  it("restarts a container whose startup probe fails failureThreshold times", async () => {
    nodelet.writeManifest(
      "nostart.yaml",
      podManifest(
        "nostart",
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: never
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    startupProbe:
      exec: {command: [sh, -c, "exit 1"]}
      periodSeconds: 1
      failureThreshold: 2
`,
      ),
    );
    const cs = await nodelet.waitFor("nostart restarted", (pods) => {
      const c = containerStatus(findPod(pods, "nostart"), "never");
      return c && c.restartCount >= 1 ? c : undefined;
    });
    assert.equal(cs.started, false);
    const failed = findLogLine(nodelet, isFor("never", /^startup probe failed: /));
    assert.ok(failed, "startup failure logged");
    assert.ok(
      findLogLine(nodelet, isFor("never", /Container never failed startup probe, will be restarted/)),
    );
    rmSync(join(nodelet.manifestsDir, "nostart.yaml"));
  });

  it("holds the next init container until a sidecar's startup probe succeeds", async () => {
    nodelet.writeManifest(
      "sidecar.yaml",
      podManifest(
        "sidecar",
        `  terminationGracePeriodSeconds: 1
  initContainers:
  - name: side
    image: ${BUSYBOX_IMAGE}
    restartPolicy: Always
    command: [sh, -c, "sleep 4; touch /tmp/up; exec sleep 3600"]
    startupProbe:
      exec: {command: [cat, /tmp/up]}
      periodSeconds: 1
      failureThreshold: 30
  - name: next
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "exit 0"]
  containers:
  - name: app
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
`,
      ),
    );
    const waiting = await nodelet.waitFor("sidecar running, not started", (pods) => {
      const p = findPod(pods, "sidecar");
      const side = containerStatus(p, "side");
      return side?.state.running && side.started === false ? p : undefined;
    });
    assert.ok(
      !containerStatus(waiting, "next")?.state.running && !containerStatus(waiting, "next")?.state.terminated,
    );
    const pod = await nodelet.waitFor("sidecar pod running", (pods) => {
      const p = findPod(pods, "sidecar");
      return containerStatus(p, "app")?.state.running ? p : undefined;
    });
    assert.equal(containerStatus(pod, "side")?.started, true);
    assert.equal(containerStatus(pod, "side")?.restartCount, 0);
    assert.equal(containerStatus(pod, "next")?.state.terminated?.reason, "Completed");
    const sideStarted = findLogLine(nodelet, (l) => l.container === "side" && l.msg === "container started");
    const sideUp = findLogLine(nodelet, isFor("side", /^startup probe succeeded/));
    const nextStarted = findLogLine(nodelet, (l) => l.container === "next" && l.msg === "container started");
    assert.ok(sideStarted && sideUp && nextStarted);
    assert.ok(lineTime(sideUp) - lineTime(sideStarted) >= 3500, "the sidecar needed its 4 s to start");
    assert.ok(lineTime(nextStarted) >= lineTime(sideUp), "next started only after the sidecar was started");
    rmSync(join(nodelet.manifestsDir, "sidecar.yaml"));
  });
});
