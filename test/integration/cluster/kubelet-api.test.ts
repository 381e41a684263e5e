// The kubelet API (:10250) of `nodelet run --kubeconfig`, used by a real kube-apiserver: `kubectl
// logs` and nodes/proxy go API server → kubelet API (client certificate), and direct requests show
// its authentication (client certificate, TokenReview bearer tokens, anonymous refused) and
// authorization (SubjectAccessReview).
//
// Topology: see test/harness/kubelet-api-node.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { ControlPlaneHandle } from "../../harness/control-plane.ts";
import {
  busyboxPod,
  type KubeletApiNode,
  type KubeletRequestOptions,
  kubeletRequest,
  serviceAccountToken,
  startKubeletApiNode,
} from "../../harness/kubelet-api-node.ts";
import { until } from "../../harness/until.ts";

let kn: KubeletApiNode;
let cp: ControlPlaneHandle;
let tokens: { nobody: string; reader: string };

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

function pod(
  name: string,
  command: string,
  o: { mounts?: Json[]; volumes?: Json[]; restartPolicy?: string } = {},
): string {
  return busyboxPod(name, command, {
    container: { volumeMounts: o.mounts ?? [] },
    spec: { volumes: o.volumes ?? [], restartPolicy: o.restartPolicy ?? "Always" },
  });
}

function kubeletGet(path: string, auth: Omit<KubeletRequestOptions, "method"> = {}) {
  return kubeletRequest(kn, path, auth);
}

before(async () => {
  kn = await startKubeletApiNode({ extraArgs: ["--crashloop-initial", "1s"] });
  cp = kn.cp;
  const [nobody, reader] = await Promise.all([
    serviceAccountToken(cp, "nobody"),
    serviceAccountToken(cp, "reader", { clusterRole: "system:kubelet-api-admin" }),
  ]);
  tokens = { nobody, reader };
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
  await kn?.stop();
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

test("nodes/proxy/metrics/resource: the running pod's container, pod and node usage (what kubectl top reads)", async () => {
  const text = await cp.kubectl(["get", "--raw", "/api/v1/nodes/test-node/proxy/metrics/resource"]);
  const value = (series: string): number => {
    const m = new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+) (\\d+)$`, "m").exec(text);
    assert.ok(m, `no sample ${series} in:\n${text}`);
    // Each sample carries the time it was measured (ms), recent.
    assert.ok(Math.abs(Date.now() - Number(m[2])) < 5 * 60_000, `${series} stamped ${m[2]}`);
    return Number(m[1]);
  };
  const c = 'container="c",namespace="default",pod="printer"';
  const p = 'namespace="default",pod="printer"';
  assert.ok(value(`container_cpu_usage_seconds_total{${c}}`) > 0);
  assert.ok(value(`container_memory_working_set_bytes{${c}}`) > 0);
  assert.ok(value(`container_start_time_seconds{${c}}`) > 1.7e9);
  assert.ok(value(`pod_cpu_usage_seconds_total{${p}}`) > 0);
  assert.ok(value(`pod_memory_working_set_bytes{${p}}`) > 0);
  assert.ok(value("node_cpu_usage_seconds_total") > 0);
  assert.ok(value("node_memory_working_set_bytes") > 0);
  assert.match(text, /^scrape_error 0$/m);
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
