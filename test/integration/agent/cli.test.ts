// What a user sees: `nodelet get pods`, `nodelet logs`, healthz, the log files and CRI labels.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { GrpcRuntime } from "../../../cri/grpc/index.ts";
import { silentLogger } from "../../../agent/log.ts";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import { execInNetns } from "../../harness/netns.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, startNodelet } from "../../harness/nodelet.ts";

const run = promisify(execFile);
const NODELET = resolve(import.meta.dirname, "../../../bin/nodelet");
let ctd: ContainerdHandle;
let nodelet: NodeletHandle;

before(async () => {
  ctd = await startContainerd();
  nodelet = await startNodelet(ctd, { extraArgs: ["--crashloop-initial", "20s"] });
});
after(async () => {
  await nodelet?.stop();
  await ctd?.stop();
});

const cli = async (...args: string[]) =>
  (await run(NODELET, [...args, "--root-dir", nodelet.rootDir])).stdout;
const pod = (name: string, spec: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec:\n${spec}`;

describe("what users see", () => {
  before(async () => {
    nodelet.writeManifest(
      "crash.yaml",
      pod(
        "crash",
        `  containers:\n  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "echo run-$RANDOM; exit 2"]}\n`,
      ),
    );
    nodelet.writeManifest(
      "initwait.yaml",
      pod(
        "initwait",
        `  initContainers:\n  - {name: i1, image: ${BUSYBOX_IMAGE}, command: [sleep, "3600"]}\n  - {name: i2, image: ${BUSYBOX_IMAGE}, command: [sh, -c, exit]}\n  containers:\n  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sleep, "3600"]}\n`,
      ),
    );
    nodelet.writeManifest(
      "done.yaml",
      pod(
        "done",
        `  restartPolicy: Never\n  containers:\n  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, exit]}\n`,
      ),
    );
    nodelet.writeManifest(
      "oom.yaml",
      pod(
        "oom",
        `  restartPolicy: Never\n  containers:\n  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1"], resources: {limits: {memory: 16Mi}}}\n`,
      ),
    );
    nodelet.writeManifest(
      "noimage.yaml",
      pod(
        "noimage",
        `  containers:\n  - {name: c, image: registry.invalid/nothing:1.0, command: [sh, -c, exit]}\n`,
      ),
    );
    nodelet.writeManifest(
      "env.yaml",
      pod(
        "env",
        `  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'echo "pod=$POD_NAME ns=$POD_NS ip=$POD_IP greeting=$(GREETING) escaped=$1 mem=$MEM"; sleep 3600', sh, "$$(GREETING)"]
    env:
    - {name: WHO, value: world}
    - {name: GREETING, value: "hello $(WHO)"}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    resources: {limits: {memory: 64Mi}}
`,
      ),
    );
    await nodelet.waitFor(
      "all pods in their final states",
      (pods) => {
        const s = (n: string, c = "c") =>
          containerStatus(
            pods.find((p) => p.metadata.name === `${n}-test-node`),
            c,
          );
        return (
          s("crash")?.state.waiting?.reason === "CrashLoopBackOff" &&
          s("initwait", "i1")?.state.running &&
          s("done")?.state.terminated &&
          s("oom")?.state.terminated &&
          s("noimage")?.state.waiting?.reason === "ImagePullBackOff" &&
          s("env")?.state.running
        );
      },
      60_000,
    );
  });

  it("prints the kubectl pod table with kubectl's STATUS words", async () => {
    const table = await cli("get", "pods");
    const rows = table
      .trim()
      .split("\n")
      .map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    const status = Object.fromEntries(rows.slice(1).map((r) => [r[0], [r[1], r[2], r[3]?.split(" ")[0]]]));
    assert.deepEqual(status["crash-test-node"], ["0/1", "CrashLoopBackOff", "1"]);
    assert.deepEqual(status["initwait-test-node"], ["0/1", "Init:0/2", "0"]);
    assert.deepEqual(status["done-test-node"], ["0/1", "Completed", "0"]);
    assert.deepEqual(status["oom-test-node"], ["0/1", "OOMKilled", "0"]);
    assert.deepEqual(status["noimage-test-node"], ["0/1", "ImagePullBackOff", "0"]);
    assert.deepEqual(status["env-test-node"], ["1/1", "Running", "0"]);
    const wide = await cli("get", "pods", "-o", "wide");
    assert.match(
      wide.split("\n")[0]!,
      /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
    );
    assert.match(wide, /env-test-node\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+test-node/);
  });

  it("reports an image that cannot be pulled as ErrImagePull then ImagePullBackOff, with the reason", async () => {
    const list = JSON.parse(await cli("get", "pods", "-o", "json")) as {
      kind: string;
      items: import("../../../agent/api/pod.ts").Pod[];
    };
    assert.equal(list.kind, "PodList");
    const s = containerStatus(
      list.items.find((p) => p.metadata.name === "noimage-test-node"),
      "c",
    );
    assert.match(s?.state.waiting?.message ?? "", /^Back-off pulling image "registry.invalid\/nothing:1.0"/);
    const pulls = nodelet.logLines().filter((l) => l.reason === "ErrImagePull");
    assert.ok(
      pulls.length >= 1 &&
        String(pulls[0]!.msg).startsWith('Failed to pull image "registry.invalid/nothing:1.0"'),
    );
  });

  it("expands $(VAR) and downward API fields in env and command", async () => {
    const out = await cli("logs", "env-test-node");
    assert.match(
      out,
      /^pod=env-test-node ns=default ip=10\.244\.\d+\.\d+ greeting=hello world escaped=\$\(GREETING\) mem=64\n$/,
    );
  });

  it("shows current and previous logs, and writes the CRI log files and /var/log/containers links", async () => {
    // In CrashLoopBackOff both name the last terminated instance (as the kubelet does).
    const current = await cli("logs", "crash-test-node", "-c", "c");
    const previous = await cli("logs", "crash-test-node", "--previous");
    assert.match(current, /^run-\d+\n$/);
    assert.equal(previous, current);
    const p = await nodelet.pod("crash");
    const dir = join(nodelet.podLogsDir, `default_crash-test-node_${p?.metadata.uid}`, "c");
    assert.deepEqual(
      readdirSync(dir).sort(),
      ["0.log", "1.log"],
      "the current and the previous instance keep their logs",
    );
    assert.notEqual(readFileSync(join(dir, "0.log"), "utf8"), readFileSync(join(dir, "1.log"), "utf8"));
    await assert.rejects(
      cli("logs", "noimage-test-node"),
      /is waiting to start: trying and failing to pull image/,
    );
    const links = readdirSync(nodelet.containerLogsDir).filter((l) =>
      l.startsWith("crash-test-node_default_c-"),
    );
    assert.ok(links.length >= 1);
    assert.ok(
      readlinkSync(join(nodelet.containerLogsDir, links[0]!)).startsWith(
        join(nodelet.podLogsDir, `default_crash-test-node_`),
      ),
    );
    await assert.rejects(cli("logs", "nosuch"), /pods "nosuch" not found/);
  });

  it("labels sandboxes and containers as the kubelet does, so crictl shows them", async () => {
    const rt = await GrpcRuntime.connect(ctd.endpoint, silentLogger());
    try {
      const p = await nodelet.pod("env");
      const sb = (await rt.listPodSandboxes()).find(
        (s) => s.labels["io.kubernetes.pod.uid"] === p?.metadata.uid,
      )!;
      assert.equal(sb.labels["io.kubernetes.pod.name"], "env-test-node");
      assert.equal(sb.labels["io.kubernetes.pod.namespace"], "default");
      assert.equal(sb.labels.app, "env");
      assert.equal(sb.metadata.name, "env-test-node");
      const c = (await rt.listContainers()).find((x) => x.podSandboxId === sb.id)!;
      assert.equal(c.labels["io.kubernetes.container.name"], "c");
      assert.equal(c.annotations["io.kubernetes.container.restartCount"], "0");
      assert.match(c.annotations["io.kubernetes.container.hash"] ?? "", /^[0-9a-f]{8}$/);
    } finally {
      rt.close();
    }
  });

  it("answers ok on 127.0.0.1:10248/healthz, and not ok once the runtime stops answering", async () => {
    const r = await execInNetns(ctd.netns, ["busybox", "wget", "-qO-", "http://127.0.0.1:10248/healthz"]);
    assert.equal(r.stdout, "ok");
    process.kill(ctd.pid, "SIGKILL");
    let last = r;
    for (let i = 0; i < 50; i++) {
      last = await execInNetns(ctd.netns, ["busybox", "wget", "-qO-", "http://127.0.0.1:10248/healthz"]);
      if (last.code !== 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.notEqual(last.code, 0, "healthz fails while the runtime is down");
    assert.match(last.stderr, /500/);
    // The daemon itself keeps running and answering.
    assert.match(await cli("get", "pods"), /env-test-node/);
  });
});
