// Bad manifests never hurt good pods; a killed nodelet comes back without restarting anything.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, controlGet, startNodelet } from "../../harness/nodelet.ts";

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

const good = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sleep, "3600"]}
`;

/** 20 broken manifests, each with the text its error must contain. */
const BAD: [string, string, string][] = [
  ["yaml-syntax.yaml", "kind: Pod\nmetadata: {name: [x\n", "invalid YAML"],
  ["json-syntax.json", '{"kind": "Pod", ', "invalid JSON"],
  [
    "no-containers.yaml",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {containers: []}\n",
    "spec.containers",
  ],
  ["bad-name.yaml", good("Bad_Name"), "metadata.name"],
  [
    "no-image.yaml",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: noimage}\nspec:\n  containers: [{name: c}]\n",
    "spec.containers[0].image",
  ],
  [
    "bad-quantity.yaml",
    good("q").replace('"3600"]}', '"3600"], resources: {limits: {memory: 12Mb}}}'),
    "resources.limits[memory]",
  ],
  [
    "dup-containers.yaml",
    good("dup").replace("  - {name: c,", "  - {name: c, image: x}\n  - {name: c,"),
    "Duplicate value",
  ],
  [
    "bad-restart.yaml",
    good("restart").replace("spec:\n", "spec:\n  restartPolicy: Sometimes\n"),
    "spec.restartPolicy",
  ],
  [
    "neg-grace.yaml",
    good("grace").replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: -5\n"),
    "terminationGracePeriodSeconds",
  ],
  [
    "bad-port.yaml",
    good("port").replace('"3600"]}', '"3600"], ports: [{containerPort: 70000}]}'),
    "containerPort",
  ],
  [
    "missing-volume.yaml",
    good("vol").replace('"3600"]}', '"3600"], volumeMounts: [{name: nope, mountPath: /x}]}'),
    "volumeMounts[0].name",
  ],
  [
    "relative-mount.yaml",
    good("rel").replace(
      '"3600"]}',
      '"3600"], volumeMounts: [{name: v, mountPath: x}]}\n  volumes: [{name: v, emptyDir: {}}]',
    ),
    "mountPath",
  ],
  [
    "liveness-success.yaml",
    good("live").replace('"3600"]}', '"3600"], livenessProbe: {exec: {command: [sh]}, successThreshold: 2}}'),
    "successThreshold",
  ],
  [
    "two-handlers.yaml",
    good("handlers").replace(
      '"3600"]}',
      '"3600"], readinessProbe: {exec: {command: [sh]}, tcpSocket: {port: 80}}}',
    ),
    "readinessProbe",
  ],
  [
    "bad-env.yaml",
    good("env").replace('"3600"]}', '"3600"], env: [{name: "1 bad", value: x}]}'),
    "env[0].name",
  ],
  [
    "request-over-limit.yaml",
    good("over").replace('"3600"]}', '"3600"], resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}}'),
    "resources.requests",
  ],
  ["not-a-pod-kind.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: weird}\nspec: 42\n", "spec"],
  [
    "no-name.yaml",
    "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: c, image: x}]\n",
    "metadata.name",
  ],
  [
    "bad-namespace.yaml",
    good("ns").replace("metadata: {name: ns}", "metadata: {name: ns, namespace: Not_OK}"),
    "metadata.namespace",
  ],
  [
    "bad-init-restart.yaml",
    good("init").replace(
      "spec:\n",
      `spec:\n  initContainers: [{name: i, image: ${BUSYBOX_IMAGE}, restartPolicy: Never}]\n`,
    ),
    "initContainers[0].restartPolicy",
  ],
];

describe("robustness", () => {
  it("runs the good pods beside 20 malformed manifests and reports each bad one with its file and field", async () => {
    for (const [file, text] of BAD) writeFileSync(join(nodelet.manifestsDir, file), text);
    nodelet.writeManifest("good-a.yaml", good("good-a"));
    nodelet.writeManifest(
      "good-b.yaml",
      `${good("good-b")}---\n${good("good-c").replace("good-c", "Bad-Second-Doc")}`,
    );
    await nodelet.waitFor("good pods running", (pods) => {
      const names = ["good-a-test-node", "good-b-test-node"];
      return names.every(
        (n) =>
          containerStatus(
            pods.find((p) => p.metadata.name === n),
            "c",
          )?.state.running,
      );
    });
    const pods = await nodelet.pods();
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ["good-a-test-node", "good-b-test-node"]);
    const errors = nodelet
      .logLines()
      .filter((l) => l.level === 50)
      .map((l) => String(l.msg));
    for (const [file, , expected] of BAD) {
      const hit = errors.find((m) => m.includes(join(nodelet.manifestsDir, file)));
      assert.ok(hit, `an error names ${file}`);
      assert.ok(hit.includes(expected), `the error for ${file} says ${expected}: ${hit}`);
    }
    assert.ok(
      errors.some((m) => m.includes("good-b.yaml (document 2)") && m.includes("metadata.name")),
      "the bad second document is reported",
    );
    assert.equal(await controlGet(nodelet.rootDir, "/healthz").then((b) => JSON.parse(b).ok), true);
    for (const [file] of BAD) rmSync(join(nodelet.manifestsDir, file));
  });

  it("survives kill -9: adopts every container, restarts none, keeps restart counts, removes pods deleted meanwhile", async () => {
    nodelet.writeManifest(
      "counted.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: counted}
spec:
  restartPolicy: OnFailure
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, "if [ -e /dev/shm/ran ]; then exec sleep 3600; fi; touch /dev/shm/ran; exit 1"]}
`,
    );
    nodelet.writeManifest(
      "doomed.yaml",
      good("doomed").replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: 1\n"),
    );
    const before = await nodelet.waitFor("all running", (pods) => {
      const running = ["good-a-test-node", "good-b-test-node", "counted-test-node", "doomed-test-node"].map(
        (n) =>
          containerStatus(
            pods.find((p) => p.metadata.name === n),
            "c",
          ),
      );
      return running.every((s) => s?.state.running) && running[2]?.restartCount === 1 ? running : undefined;
    });
    assert.equal(before[2]?.restartCount, 1);
    const ids = before.map((s) => s?.containerID);
    const doomedUid = (await nodelet.pod("doomed"))?.metadata.uid;

    await nodelet.kill9();
    rmSync(join(nodelet.manifestsDir, "doomed.yaml"));
    await nodelet.restart();
    await nodelet.waitFor(
      "doomed removed",
      (pods) => !pods.some((p) => p.metadata.name === "doomed-test-node"),
    );
    // Several relist periods, so any wrong decision would have shown.
    await sleep(4000);
    const after = await nodelet.pods();
    for (const [i, name] of ["good-a-test-node", "good-b-test-node", "counted-test-node"].entries()) {
      const s = containerStatus(
        after.find((p) => p.metadata.name === name),
        "c",
      );
      assert.equal(s?.containerID, ids[i], `${name} kept its container`);
      assert.ok(s?.state.running, `${name} still running`);
    }
    assert.equal(
      containerStatus(
        after.find((p) => p.metadata.name === "counted-test-node"),
        "c",
      )?.restartCount,
      1,
    );
    const restartLines = nodelet
      .logLines()
      .filter((l) => l.msg === "container started" && String(l.pod).includes("good-"));
    assert.equal(restartLines.length, 2, "only the two original starts of the good pods were ever logged");
    const doomedId = ids[3]!.replace("containerd://", "");
    const listed = () =>
      execFileSync("ctr", ["-a", ctd.socketPath, "-n", "k8s.io", "containers", "ls", "-q"]).toString();
    for (let i = 0; i < 100 && listed().includes(doomedId); i++) await sleep(100);
    assert.ok(
      !listed().includes(doomedId),
      "the pod deleted while nodelet was down had its container removed",
    );
    const teardowns = () => nodelet.logLines().filter((l) => l.msg === "pod terminated and cleaned up");
    for (let i = 0; i < 50 && teardowns().length === 0; i++) await sleep(100);
    assert.deepEqual(
      teardowns().map((l) => l.podUid),
      [doomedUid],
      `exactly one pod (the deleted one) was torn down: ${JSON.stringify(teardowns())} pods ${JSON.stringify((await nodelet.pods()).map((p) => [p.metadata.name, p.metadata.uid]))}`,
    );
  });
});
