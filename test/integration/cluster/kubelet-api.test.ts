// The kubelet API (:10250) of `nodelet run --kubeconfig`, used by a real kube-apiserver: `kubectl
// logs` and nodes/proxy go API server → kubelet API (client certificate), and direct requests show
// its authentication (client certificate, TokenReview bearer tokens, anonymous refused) and
// authorization (SubjectAccessReview).
//
// Topology: nodelet runs in containerd's network namespace; the API server on the host. The node
// reports the host's own address (the API server refuses to proxy to loopback addresses) and a
// port on which a harness forwarder listens on the host and connects into the namespace.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exposeApiServer, type NetnsBridge } from "../../harness/api-bridge.ts";
import { until } from "../../harness/until.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { forwardIntoNetns, type NetnsForwarder } from "../../harness/netns-forwarder.ts";
import { type NodeletHandle, startNodelet } from "../../harness/nodelet.ts";

let ctd: ContainerdHandle;
let cp: ControlPlaneHandle;
let bridge: NetnsBridge;
let forwarder: NetnsForwarder;
let node: NodeletHandle;
let tokens: { nobody: string; reader: string };

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

/** The host's first non-loopback IPv4 address: what the node reports and the forwarder listens on. */
function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("the host has no non-loopback IPv4 address for the node to report");
}

function pod(
  name: string,
  command: string,
  o: { mounts?: Json[]; volumes?: Json[]; restartPolicy?: string } = {},
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: "test-node",
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sh", "-c", command],
          volumeMounts: o.mounts ?? [],
        },
      ],
      volumes: o.volumes ?? [],
      restartPolicy: o.restartPolicy ?? "Always",
    },
  });
}

interface Answer {
  status: number;
  body: string;
}

/** A request straight to the kubelet API (through the forwarder), verifying its serving certificate. */
function kubeletGet(
  path: string,
  auth: { token?: string; cert?: Buffer; key?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: forwarder.host,
        port: forwarder.port,
        path,
        ca: readFileSync(join(node.rootDir, "pki", "kubelet.crt")),
        ...(auth.token ? { headers: { authorization: `Bearer ${auth.token}` } } : {}),
        ...(auth.cert ? { cert: auth.cert, key: auth.key } : {}),
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  const address = hostAddress();
  const [c, p] = await Promise.allSettled([startContainerd(), startControlPlane()]);
  if (c.status === "fulfilled") ctd = c.value;
  if (p.status === "fulfilled") cp = p.value;
  if (c.status === "rejected") throw c.reason;
  if (p.status === "rejected") throw p.reason;
  bridge = await exposeApiServer(cp, ctd.netns);
  // The kubelet API listens on the same port number inside the namespace (nothing else is there).
  forwarder = await forwardIntoNetns(ctd.netns, { listenHost: address });
  node = await startNodelet(ctd, {
    extraArgs: [
      "--kubeconfig",
      cp.nodeKubeconfig("test-node", { server: bridge.url }),
      "--node-ip",
      address,
      "--port",
      String(forwarder.port),
      "--client-ca-file",
      cp.caFile,
      "--proxy-mode",
      "none",
      "--crashloop-initial",
      "1s",
    ],
    logLevel: "info",
  });
  const setup = [
    "create serviceaccount nobody",
    "create serviceaccount reader",
    "create clusterrolebinding reader-kubelet-api --clusterrole=system:kubelet-api-admin --serviceaccount=default:reader",
  ];
  for (const cmd of setup) await cp.kubectl(cmd.split(" "));
  const [nobody, reader] = await Promise.all([
    cp.kubectl(["create", "token", "nobody"]),
    cp.kubectl(["create", "token", "reader"]),
  ]);
  tokens = { nobody: nobody.trim(), reader: reader.trim() };
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("printer", "for i in 1 2 3 4 5; do echo line-$i; done; exec sleep 3600"),
  });
  // First run prints and fails; the restarted one prints something else and stays.
  await cp.kubectl(["create", "-f", "-"], {
    input: pod(
      "restarter",
      "if [ -e /run/mark/first ]; then echo second run; exec sleep 3600; fi; touch /run/mark/first; echo first run; exit 1",
      { mounts: [{ name: "mark", mountPath: "/run/mark" }], volumes: [{ name: "mark", emptyDir: {} }] },
    ),
  });
  await until("printer has logged", async () => (await cp.kubectl(["logs", "printer"])).includes("line-5"));
});

after(async () => {
  await node?.stop();
  await forwarder?.stop();
  await bridge?.stop();
  await cp?.stop();
  await ctd?.stop();
});

test("kubectl logs through the API server: all lines, --tail, --timestamps, --limit-bytes", async () => {
  assert.equal(await cp.kubectl(["logs", "printer"]), "line-1\nline-2\nline-3\nline-4\nline-5\n");
  assert.equal(await cp.kubectl(["logs", "printer", "--tail=2"]), "line-4\nline-5\n");
  assert.equal(await cp.kubectl(["logs", "printer", "--limit-bytes=9"]), "line-1\nli");
  const stamped = (await cp.kubectl(["logs", "printer", "--timestamps", "--tail=3"])).split("\n");
  assert.equal(stamped.length, 4);
  stamped.slice(0, 3).forEach((l, i) => {
    assert.match(l, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z line-${i + 3}$`));
  });
  // sinceTime later than every line: nothing.
  const future = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  assert.equal(await cp.kubectl(["logs", "printer", `--since-time=${future}`]), "");
  await assert.rejects(
    cp.kubectl(["logs", "printer", "--previous"]),
    /previous terminated container "c" in pod "printer" not found/,
  );
});

test("kubectl logs --previous shows the instance before the restart", async () => {
  await until(
    "restarter restarted and running",
    async () => {
      const p = JSON.parse(await cp.kubectl(["get", "pod", "restarter", "-o", "json"]));
      const cs = p.status.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.running !== undefined;
    },
    20_000,
  );
  const current = await until("second run logged", async () => {
    const out = await cp.kubectl(["logs", "restarter"]);
    return out.length > 0 ? out : undefined;
  });
  assert.equal(current, "second run\n");
  assert.equal(await cp.kubectl(["logs", "restarter", "--previous"]), "first run\n");
});

test("kubectl logs -f streams while the container writes and ends when it exits", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("ticker", "sleep 1; for i in 1 2 3; do echo tick-$i; sleep 1; done", {
      restartPolicy: "Never",
    }),
  });
  await until("ticker running", async () => {
    const p = JSON.parse(await cp.kubectl(["get", "pod", "ticker", "-o", "json"]));
    return p.status.containerStatuses?.[0]?.state.running !== undefined;
  });
  const t0 = Date.now();
  assert.equal(await cp.kubectl(["logs", "-f", "ticker"]), "tick-1\ntick-2\ntick-3\n");
  // It followed the writes (about 4 s of them), it did not print what was there and stop.
  assert.ok(Date.now() - t0 >= 1500, `kubectl logs -f returned after ${Date.now() - t0} ms`);
});

test("nodes/proxy through the API server: the kubelet's pod list and healthz", async () => {
  const list = JSON.parse(await cp.kubectl(["get", "--raw", "/api/v1/nodes/test-node/proxy/pods"]));
  assert.equal(list.kind, "PodList");
  const names = list.items.map((p: Json) => p.metadata.name);
  assert.ok(names.includes("printer") && names.includes("restarter"), `pods: ${names}`);
  const printer = list.items.find((p: Json) => p.metadata.name === "printer");
  assert.equal(printer.spec.nodeName, "test-node");
  assert.equal(printer.status.phase, "Running");
  assert.equal(await cp.kubectl(["get", "--raw", "/api/v1/nodes/test-node/proxy/healthz"]), "ok");
});

test("direct requests: 401 without credentials, 403 without rights, 200 with them", async () => {
  const anonymous = await kubeletGet("/pods");
  assert.deepEqual(anonymous, { status: 401, body: "Unauthorized\n" });

  const nobody = await kubeletGet("/pods", { token: tokens.nobody });
  assert.equal(nobody.status, 403);
  assert.equal(
    nobody.body,
    "Forbidden (user=system:serviceaccount:default:nobody, verb=get, resource=nodes, subresource(s)=[pods proxy])\n",
  );
  const nobodyLogs = await kubeletGet("/containerLogs/default/printer/c", { token: tokens.nobody });
  assert.equal(nobodyLogs.status, 403);
  assert.match(nobodyLogs.body, /subresource\(s\)=\[proxy\]/);

  const reader = await kubeletGet("/pods", { token: tokens.reader });
  assert.equal(reader.status, 200);
  assert.ok(JSON.parse(reader.body).items.some((p: Json) => p.metadata.name === "printer"));
  assert.deepEqual(
    await kubeletGet("/containerLogs/default/printer/c?tailLines=1", { token: tokens.reader }),
    {
      status: 200,
      body: "line-5\n",
    },
  );
  assert.deepEqual(await kubeletGet("/containerLogs/default/ghost/c", { token: tokens.reader }), {
    status: 404,
    body: 'pod "ghost" does not exist\n',
  });
  assert.equal(
    (await kubeletGet("/containerLogs/default/printer/c?tailLines=x", { token: tokens.reader })).status,
    400,
  );
  assert.equal(
    (await kubeletGet("/containerLogs/default/printer/c?limitBytes=0", { token: tokens.reader })).status,
    422,
  );
  const stats = await kubeletGet("/stats/summary", { token: tokens.reader });
  assert.equal(stats.status, 501);
  assert.match(stats.body, /does not implement stats/);
  const probes = await kubeletGet("/metrics/probes", { token: tokens.reader });
  assert.equal(probes.status, 200);
  const metrics = await kubeletGet("/metrics", { token: tokens.reader });
  assert.match(metrics.body, /^kubelet_running_pods [1-9]\d*$/m);

  // A client certificate of the cluster CA (the admin's: O=system:masters).
  const admin = await kubeletGet("/healthz", {
    cert: readFileSync(join(cp.dir, "admin.crt")),
    key: readFileSync(join(cp.dir, "admin.key")),
  });
  assert.deepEqual(admin, { status: 200, body: "ok" });
});
