// `nodelet proxy` (the proxy half alone, like kube-proxy) and `nodelet proxy --cleanup`, run as a
// user runs them, inside a network namespace of the test's own.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createNetns, deleteNetns, execInNetns, spawnInNetns } from "../../harness/netns.ts";

const NODELET = resolve(import.meta.dirname, "../../../bin/nodelet");
const ns = `nlproxy-${randomBytes(3).toString("hex")}`;
let dir: string;

before(() => {
  createNetns(ns);
  dir = mkdtempSync(join(tmpdir(), "nodelet-proxy-cli-"));
});
after(() => {
  deleteNetns(ns);
  rmSync(dir, { recursive: true, force: true });
});

const nftTable = async () => (await execInNetns(ns, ["nft", "list", "table", "ip", "nodelet"])).stdout;

describe("nodelet proxy", () => {
  it("programs the Services of a manifests directory, keeps them after exit, and --cleanup removes everything", async () => {
    writeFileSync(
      join(dir, "svc.yaml"),
      `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: 10.96.7.7
  ports: [{port: 5432, targetPort: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: [10.1.2.3], conditions: {ready: true}}]
ports: [{port: 5432, protocol: TCP}]
`,
    );
    const proc = spawnInNetns(ns, [
      NODELET,
      "proxy",
      "--manifests",
      dir,
      "--node-name",
      "n1",
      "--node-ip",
      "127.0.0.1",
      "--proxy-healthz-bind-address",
      "127.0.0.1:10256",
    ]);
    const exited = new Promise((r) => proc.once("exit", r));
    try {
      let table = "";
      for (let i = 0; i < 100 && !table.includes("10.1.2.3 . 5432"); i++) {
        await sleep(100);
        table = await nftTable();
      }
      assert.match(table, /10\.96\.7\.7 \. tcp \. 5432/);
      assert.match(table, /10\.1\.2\.3 \. 5432/);
    } finally {
      proc.kill("SIGTERM");
      await exited;
    }
    assert.match(await nftTable(), /10\.96\.7\.7/, "rules stay when the proxy stops (traffic keeps flowing)");
    const cleanup = await execInNetns(ns, [NODELET, "proxy", "--cleanup"]);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    const ruleset = await execInNetns(ns, ["nft", "list", "ruleset"]);
    assert.doesNotMatch(ruleset.stdout, /nodelet|KUBE-/);
  });
});
