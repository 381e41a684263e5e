// The API server from inside a test network namespace (bridge) and through the fault proxy, against
// a real kube-apiserver.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { exposeApiServer } from "../../harness/api-bridge.ts";
import { type ApiFaultProxy, startApiFaultProxy } from "../../harness/api-fault-proxy.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { createNetns, deleteNetns, execInNetns, netnsInode } from "../../harness/netns.ts";
import { listProcesses } from "../../harness/processes.ts";

const NODE = "node-a";
const PODS_WATCH = `/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3D${NODE}&watch=true`;

let cp: ControlPlaneHandle;
const ns = `nltest-api-${randomBytes(3).toString("hex")}`;

before(async () => {
  // configmaps without the watch cache: watches of them go to etcd, which can answer 410 for real.
  cp = await startControlPlane({ extraApiServerArgs: ["--watch-cache-sizes=configmaps#0"] });
  createNetns(ns);
});

after(async () => {
  await cp?.stop();
  deleteNetns(ns);
});

interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  lines: string[];
  /** "end" when the response ended cleanly, "error" when the connection broke first. */
  finished: Promise<"end" | "error">;
}

/**
 * Opens a streaming GET (a watch) with a client certificate of cp.dir (default: the node's);
 * resolves on the headers, which the API server sends together with the first event only.
 */
function openStream(base: string, path: string, user = `node-${NODE}`): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        ca: readFileSync(cp.caFile),
        cert: readFileSync(`${cp.dir}/${user}.crt`),
        key: readFileSync(`${cp.dir}/${user}.key`),
        agent: false,
      },
      (res) => {
        const lines: string[] = [];
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          const parts = buffered.split("\n");
          buffered = parts.pop() ?? "";
          lines.push(...parts.filter(Boolean));
        });
        const finished = new Promise<"end" | "error">((done) => {
          res.on("end", () => {
            if (buffered) lines.push(buffered);
            done("end");
          });
          res.on("error", () => done("error"));
          res.on("close", () => done(res.complete ? "end" : "error"));
        });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, lines, finished });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${path}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const s = await openStream(base, path);
  assert.equal(await s.finished, "end");
  return { status: s.status, body: s.lines.join("\n") };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function createPod(name: string): Promise<string> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: NODE, containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] },
  };
  return cp.kubectl(["create", "-f", "-"], { input: JSON.stringify(pod) });
}

function processesInNetns(): number[] {
  const inode = netnsInode(ns);
  return listProcesses()
    .filter((p) => inode !== undefined && p.netnsInode === inode)
    .map((p) => p.pid);
}

describe("exposeApiServer", () => {
  it("reaches the API server from inside a network namespace with the node's certificate", async () => {
    const started = performance.now();
    const bridge = await exposeApiServer(cp, ns);
    const startMs = Math.round(performance.now() - started);
    try {
      // The namespace's port is free, so the API server's own URL works there too.
      assert.equal(bridge.url, cp.apiServerURL);
      assert.deepEqual(processesInNetns(), [], "nothing keeps running in the namespace");
      const kubeconfig = cp.nodeKubeconfig(NODE, { server: bridge.url });
      const kubectl = (args: string[]) =>
        execInNetns(ns, [cp.binaries.kubectl, `--kubeconfig=${kubeconfig}`, "--request-timeout=5s", ...args]);
      const ready = await kubectl(["get", "--raw", "/readyz"]);
      assert.equal(ready.code, 0, ready.stderr);
      assert.equal(ready.stdout, "ok");
      const whoami = await kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.equal(whoami.stdout, `system:node:${NODE}`, "the client certificate passes through");
      console.log(`bridge started in ${startMs} ms`);
    } finally {
      await bridge.stop();
    }
    assert.equal(bridge.openConnections(), 0);
    const ss = await execInNetns(ns, ["ss", "-Htln"]);
    assert.equal(ss.stdout.trim(), "", "the listener is gone from the namespace");
  });

  it("falls back to another port when the API server's is taken in the namespace", async () => {
    const first = await exposeApiServer(cp, ns);
    const second = await exposeApiServer(cp, ns);
    try {
      assert.notEqual(second.port, first.port);
      const kubeconfig = cp.nodeKubeconfig(NODE, { server: second.url });
      const ready = await execInNetns(ns, [
        cp.binaries.kubectl,
        `--kubeconfig=${kubeconfig}`,
        "get",
        "--raw",
        "/readyz",
      ]);
      assert.equal(ready.stdout, "ok", ready.stderr);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe("startApiFaultProxy", () => {
  let proxy: ApiFaultProxy;
  before(async () => {
    proxy = await startApiFaultProxy(cp, { nodeName: NODE });
  });
  after(async () => {
    await proxy?.stop();
  });

  it("forwards requests with the node's identity and logs them", async () => {
    const version = await get(proxy.url, "/version");
    assert.equal(version.status, 200);
    assert.match(JSON.parse(version.body).gitVersion, /^v1\./);
    // The Node authorizer lets a node read only its own Node object: proof of the identity used.
    assert.equal((await get(proxy.url, `/api/v1/nodes/${NODE}`)).status, 404);
    assert.equal((await get(proxy.url, "/api/v1/nodes/other-node")).status, 403);
    assert.deepEqual(
      proxy.requests.slice(-3).map((r) => [r.method, r.path, r.status, r.outcome, r.watch]),
      [
        ["GET", "/version", 200, "done", false],
        ["GET", `/api/v1/nodes/${NODE}`, 404, "done", false],
        ["GET", "/api/v1/nodes/other-node", 403, "done", false],
      ],
    );
  });

  it("streams a watch and cuts it mid-stream (reset) or ends it (end)", async () => {
    await createPod("cut-1");
    const mark = proxy.requests.length;
    const watch = await openStream(proxy.url, PODS_WATCH);
    assert.equal(watch.status, 200);
    await until("the initial ADDED event", () => watch.lines.some((l) => l.includes('"cut-1"')));
    await createPod("cut-2");
    await until("the ADDED event streamed", () => watch.lines.some((l) => l.includes('"cut-2"')));
    assert.equal(proxy.activeWatches(), 1);
    assert.equal(proxy.cutWatches(), 1);
    assert.equal(await watch.finished, "error", "a reset breaks the stream");
    const record = await proxy.waitForRequest((r) => r.watch, { from: mark });
    assert.equal(record.outcome, "cut");

    const watch2 = await openStream(proxy.url, `${PODS_WATCH}&resourceVersion=0`);
    await until("the initial ADDED event", () => watch2.lines.length > 0);
    assert.equal(proxy.cutWatches({ how: "end" }), 1);
    assert.equal(await watch2.finished, "end", "the stream ends as at the API server's watch timeout");
    assert.equal(proxy.activeWatches(), 0);
  });

  it("answers the next watch with the API server's 410 Expired event", async () => {
    // What the real API server sends: compact etcd, then watch (configmaps bypass the watch cache).
    // etcd's JSON gateway (etcd 3.4): the current revision, then compact up to it.
    const range = (await (
      await fetch(`${cp.etcdURL}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }) })
    ).json()) as { header: { revision: string } };
    const compacted = await fetch(`${cp.etcdURL}/v3/kv/compaction`, {
      method: "POST",
      body: JSON.stringify({ revision: range.header.revision, physical: true }),
    });
    assert.equal(compacted.status, 200);
    const admin = await openStream(
      cp.apiServerURL,
      "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2",
      "admin",
    );
    assert.equal(await admin.finished, "end");
    const real = JSON.parse(admin.lines[0] ?? "{}");
    assert.equal(admin.lines.length, 1);
    assert.equal(real.object.code, 410, "the real API server answers with an ERROR event");

    proxy.goneOnNextWatches(1);
    const mark = proxy.requests.length;
    const gone = await openStream(proxy.url, `${PODS_WATCH}&resourceVersion=7`);
    assert.equal(await gone.finished, "end");
    assert.equal(gone.status, admin.status);
    assert.equal(gone.headers["content-type"], admin.headers["content-type"]);
    assert.equal(gone.headers["transfer-encoding"], admin.headers["transfer-encoding"]);
    assert.equal(gone.lines.length, 1);
    const fake = JSON.parse(gone.lines[0]!);
    assert.match(fake.object.message, /^too old resource version: 7 \(\d+\)$/);
    const strip = (e: { object: Record<string, unknown> }) => ({
      ...e,
      object: { ...e.object, message: "" },
    });
    assert.deepEqual(strip(fake), strip(real), "same event as the API server's, but for the message");
    const record = await proxy.waitForRequest((r) => r.path.includes("resourceVersion=7"), { from: mark });
    assert.equal(record.outcome, "gone");

    // Only the next one: the following watch reaches the API server.
    const next = await openStream(proxy.url, `${PODS_WATCH}&resourceVersion=0`);
    await until("an event from the API server", () => next.lines.length > 0);
    assert.equal(JSON.parse(next.lines[0]!).type, "ADDED");
    proxy.cutWatches();
    await next.finished;
  });

  it("refuses everything while down and forwards again when back up", async () => {
    const watch = await openStream(proxy.url, PODS_WATCH);
    await until("the watch in flight", () => proxy.activeWatches() === 1);
    proxy.setDown(true);
    try {
      assert.equal(await watch.finished, "error", "open connections are destroyed");
      await assert.rejects(get(proxy.url, "/version"), /ECONNRESET|socket hang up/);
    } finally {
      proxy.setDown(false);
    }
    assert.equal((await get(proxy.url, "/version")).status, 200);
  });

  it("delays requests", async () => {
    proxy.setDelay(300);
    const started = performance.now();
    try {
      assert.equal((await get(proxy.url, "/version")).status, 200);
    } finally {
      proxy.setDelay(0);
    }
    assert.ok(performance.now() - started >= 300);
  });

  it("is reachable from inside a network namespace", async () => {
    const inNs = await proxy.exposeIn(ns);
    try {
      const kubeconfig = cp.nodeKubeconfig(NODE, { server: inNs.url });
      const mark = proxy.requests.length;
      const ready = await execInNetns(ns, [
        cp.binaries.kubectl,
        `--kubeconfig=${kubeconfig}`,
        "get",
        "--raw",
        "/readyz",
      ]);
      assert.equal(ready.stdout, "ok", ready.stderr);
      assert.ok(proxy.requests.slice(mark).some((r) => r.path === "/readyz" && r.status === 200));
    } finally {
      await inNs.stop();
    }
  });

  it("stops: the port is closed and nothing is left in the namespace", async () => {
    await proxy.stop();
    await assert.rejects(get(proxy.url, "/version"), /ECONNREFUSED/);
    assert.deepEqual(processesInNetns(), []);
  });
});
