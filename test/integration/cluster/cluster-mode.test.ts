// nodelet as the node of a real control plane (etcd + kube-apiserver), reached through the fault
// proxy so that watch cuts and an API outage can be produced on demand.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type ApiFaultProxy, startApiFaultProxy } from "../../harness/api-fault-proxy.ts";
import type { NetnsBridge } from "../../harness/api-bridge.ts";
import { until } from "../../harness/until.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { type NodeletHandle, startNodelet } from "../../harness/nodelet.ts";

let ctd: ContainerdHandle;
let cp: ControlPlaneHandle;
let proxy: ApiFaultProxy;
let bridge: NetnsBridge;
let node: NodeletHandle;
/** The Ready condition's lastTransitionTime when the Node first went Ready. */
let readySince: string;

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

async function getJson(args: string[]): Promise<Json> {
  return JSON.parse(await cp.kubectl([...args, "-o", "json"]));
}

function pod(name: string, spec: Json): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: "test-node", automountServiceAccountToken: false, ...spec },
  });
}

before(async () => {
  ctd = await startContainerd();
  cp = await startControlPlane();
  proxy = await startApiFaultProxy(cp, { nodeName: "test-node" });
  bridge = await proxy.exposeIn(ctd.netns);
  node = await startNodelet(ctd, {
    extraArgs: [
      "--kubeconfig",
      cp.nodeKubeconfig("test-node", { server: bridge.url }),
      "--node-ip",
      "10.244.0.1",
      "--proxy-mode",
      "none",
      "--node-labels",
      "tier=test",
    ],
    logLevel: "info",
  });
});

after(async () => {
  await node?.stop();
  await bridge?.stop();
  await proxy?.stop();
  await cp?.stop();
  await ctd?.stop();
});

test("the Node registers, goes Ready and its Lease is renewed", async () => {
  const n = await until("node Ready", async () => {
    const j = await getJson(["get", "node", "test-node"]);
    return j.status.conditions.find((c: Json) => c.type === "Ready")?.status === "True" ? j : undefined;
  });
  assert.equal(n.metadata.labels.tier, "test");
  assert.equal(n.metadata.labels["kubernetes.io/hostname"], "test-node");
  assert.deepEqual(
    n.status.addresses.find((a: Json) => a.type === "InternalIP"),
    { type: "InternalIP", address: "10.244.0.1" },
  );
  assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
  assert.match(n.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
  // The Lease is created once the Node is registered: it may trail the Ready condition a little.
  const lease = await until("node Lease", () =>
    getJson(["-n", "kube-node-lease", "get", "lease", "test-node"]),
  );
  readySince = n.status.conditions.find((c: Json) => c.type === "Ready").lastTransitionTime;
  assert.equal(lease.spec.holderIdentity, "test-node");
  assert.equal(lease.spec.leaseDurationSeconds, 40);
  const nodeEvents = await until("node events", async () => {
    const list = await getJson([
      "get",
      "events",
      "--field-selector",
      "involvedObject.kind=Node,involvedObject.name=test-node",
    ]);
    const reasons = new Set<string>(list.items.map((e: Json) => e.reason));
    return reasons.has("Starting") && reasons.size >= 4 ? list.items : undefined;
  });
  const memory = nodeEvents.find((e: Json) => e.reason === "NodeHasSufficientMemory");
  assert.equal(memory?.message, "Node test-node status is now: NodeHasSufficientMemory");
  assert.ok(nodeEvents.some((e: Json) => e.reason === "NodeHasNoDiskPressure"));
  assert.ok(nodeEvents.some((e: Json) => e.reason === "NodeHasSufficientPID"));
});

test("every failed probe is an Unhealthy event, counted on one Event object", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("sick", {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sleep", "3600"],
          readinessProbe: {
            exec: { command: ["cat", "/tmp/ready"] },
            periodSeconds: 1,
            failureThreshold: 100,
          },
        },
      ],
    }),
  });
  const unhealthy = await until(
    "Unhealthy counted 3 times",
    async () => {
      const list = await getJson([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=sick,reason=Unhealthy",
      ]);
      const e = list.items[0];
      return list.items.length === 1 && e.count >= 3 ? e : undefined;
    },
    30_000,
  );
  assert.equal(unhealthy.type, "Warning");
  assert.equal(unhealthy.involvedObject.fieldPath, "spec.containers{c}");
  assert.match(
    unhealthy.message,
    /^Readiness probe failed: cat: can't open '\/tmp\/ready': No such file or directory/,
  );
  await cp.kubectl(["delete", "pod", "sick", "--wait=false"]);
});

test("a Pod bound to the node runs and its status in the API is what the kubelet reports", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("web", {
      containers: [
        { name: "c", image: "busybox:1.36", imagePullPolicy: "Never", command: ["sleep", "3600"] },
      ],
    }),
  });
  const p = await until("web Running", async () => {
    const j = await getJson(["get", "pod", "web"]);
    return j.status.phase === "Running" && j.status.containerStatuses?.[0]?.ready ? j : undefined;
  });
  const types = Object.fromEntries(p.status.conditions.map((c: Json) => [c.type, c.status]));
  assert.deepEqual(types, {
    PodReadyToStartContainers: "True",
    Initialized: "True",
    Ready: "True",
    ContainersReady: "True",
    PodScheduled: "True",
  });
  const cs = p.status.containerStatuses[0];
  assert.match(cs.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state.running.startedAt);
  assert.match(p.status.podIP, /^10\.244\.0\.\d+$/);
  assert.equal(p.status.hostIP, "10.244.0.1");
  assert.equal(p.status.qosClass, "BestEffort");
  const wide = await cp.kubectl(["get", "pod", "web", "-o", "wide"]);
  assert.match(wide, /web\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.0\.\d+\s+test-node/);
});

test("a static pod appears as a mirror pod, and comes back when deleted", async () => {
  node.writeManifest(
    "static.yaml",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: stat, namespace: default}\nspec:\n  containers: [{name: c, image: busybox:1.36, imagePullPolicy: Never, command: [sleep, '3600']}]\n",
  );
  const m = await until("mirror Running", async () => {
    const j = await getJson(["get", "pod", "stat-test-node"]);
    return j.status.phase === "Running" ? j : undefined;
  });
  assert.ok(m.metadata.annotations["kubernetes.io/config.mirror"]);
  assert.equal(m.metadata.ownerReferences[0].kind, "Node");
  const containerID = m.status.containerStatuses[0].containerID;
  await cp.kubectl(["delete", "pod", "stat-test-node", "--wait=false"]);
  const again = await until("mirror recreated", async () => {
    const j = await getJson(["get", "pod", "stat-test-node"]);
    return j.metadata.uid !== m.metadata.uid && j.status.phase === "Running" ? j : undefined;
  });
  // Deleting the mirror does not touch the static pod's container.
  assert.equal(again.status.containerStatuses[0].containerID, containerID);
});

test("deleting a pod runs its preStop hook within the grace period, then the object disappears", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("graceful", {
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
          lifecycle: { preStop: { exec: { command: ["sleep", "3"] } } },
        },
      ],
    }),
  });
  await until(
    "graceful Running",
    async () => (await getJson(["get", "pod", "graceful"])).status.phase === "Running",
  );
  const t0 = Date.now();
  await cp.kubectl(["delete", "pod", "graceful", "--wait=false"]);
  await until(
    "graceful gone",
    async () => {
      const out = await cp.kubectl(["get", "pods", "-o", "name"]);
      return !out.includes("pod/graceful");
    },
    30_000,
  );
  const took = Date.now() - t0;
  assert.ok(took >= 3000, `object removed after ${took} ms: before the 3 s preStop finished`);
  assert.ok(took < 10_000, `object removed after ${took} ms: later than the grace period`);
});

test("a watch cut by the proxy is resumed from its resourceVersion and no pod is missed", async () => {
  const mark = proxy.requests.length;
  assert.ok(proxy.cutWatches() > 0, "no watch to cut");
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("after-cut", {
      containers: [
        { name: "c", image: "busybox:1.36", imagePullPolicy: "Never", command: ["sleep", "3600"] },
      ],
    }),
  });
  await until(
    "after-cut Running",
    async () => (await getJson(["get", "pod", "after-cut"])).status.phase === "Running",
  );
  const resumed = await proxy.waitForRequest(
    (r) => r.watch && r.path.startsWith("/api/v1/pods?") && /resourceVersion=\d+/.test(r.path),
    { from: mark },
  );
  assert.ok(resumed);
  // Resumed, not re-listed: no plain list of pods after the cut.
  const relists = proxy.requests
    .slice(mark)
    .filter((r) => !r.watch && r.method === "GET" && r.path.startsWith("/api/v1/pods?"));
  assert.equal(relists.length, 0);
});

test("a pod the node cannot fit is rejected: Failed with OutOfcpu, never run", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("too-big", {
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sleep", "3600"],
          resources: { requests: { cpu: "1000" } },
        },
      ],
    }),
  });
  const p = await until("too-big Failed", async () => {
    const j = await getJson(["get", "pod", "too-big"]);
    return j.status.phase === "Failed" ? j : undefined;
  });
  assert.equal(p.status.reason, "OutOfcpu");
  assert.match(
    p.status.message,
    /^Pod was rejected: Node didn't have enough resource: cpu, requested: 1000000/,
  );
  assert.equal(p.status.containerStatuses, undefined);
});

test("a 60 s API outage loses no status update, and pods keep running", async () => {
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("ends-in-outage", {
      restartPolicy: "Never",
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sh", "-c", "sleep 8; exit 3"],
        },
      ],
    }),
  });
  await until(
    "ends-in-outage Running",
    async () => (await getJson(["get", "pod", "ends-in-outage"])).status.phase === "Running",
  );
  const web = await getJson(["get", "pod", "web"]);
  proxy.setDown(true);
  await sleep(60_000);
  proxy.setDown(false);
  const p = await until(
    "final status after the outage",
    async () => {
      const j = await getJson(["get", "pod", "ends-in-outage"]);
      return j.status.phase === "Failed" ? j : undefined;
    },
    40_000,
  );
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 3);
  const webAfter = await getJson(["get", "pod", "web"]);
  assert.equal(webAfter.status.containerStatuses[0].containerID, web.status.containerStatuses[0].containerID);
  assert.equal(webAfter.status.containerStatuses[0].restartCount, 0);
  await until("node Ready again", async () => {
    const j = await getJson(["get", "node", "test-node"]);
    return j.status.conditions.find((c: Json) => c.type === "Ready")?.status === "True";
  });
});

test("the Node stayed Ready all along (over a minute) and renewed its Lease every 10 s when it could", async () => {
  const ready = (await getJson(["get", "node", "test-node"])).status.conditions.find(
    (c: Json) => c.type === "Ready",
  );
  assert.equal(ready.status, "True");
  assert.equal(ready.lastTransitionTime, readySince, "Ready never flipped");
  // The Lease's creation counts as its first renewal; renewals are ~10 s apart except across the
  // 60 s outage, when none can land.
  const renewalTimes = () =>
    proxy.requests
      .filter(
        (r) =>
          (r.method === "PUT" && r.path.endsWith("/leases/test-node") && r.status === 200) ||
          (r.method === "POST" && r.path.endsWith("/kube-node-lease/leases") && r.status === 201),
      )
      .map((r) => r.at);
  const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
  const renewals = await until(
    "Lease renewals over more than a minute, at the 10 s pace after the outage",
    async () => {
      const r = renewalTimes();
      const regular = gapsOf(r).some((g) => g > 8_000 && g < 12_500);
      return r.length > 2 && r.at(-1)! - r[0]! > 60_000 && regular ? r : undefined;
    },
    25_000,
    () =>
      proxy.requests
        .filter((r) => r.path.includes("/leases"))
        .map((r) => `${r.at} ${r.method} ${r.path} ${r.status} ${r.outcome}`)
        .join("\n"),
  );
  const long = gapsOf(renewals).filter((g) => g > 12_500);
  assert.ok(long.length <= 1, `gaps between renewals: ${gapsOf(renewals).join(", ")} ms`);
});
