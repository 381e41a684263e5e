// ApiEventRecorder against a real kube-apiserver with the node's own credentials (Node authorizer
// + NodeRestriction): the Events `kubectl describe pod` would list, repeats folded into a count,
// the per-object rate limit, the bounded queue, and retries while the API server is unreachable.
import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { CoreEvent } from "../../../agent/api/event.ts";
import type { Pod } from "../../../agent/api/pod.ts";
import { ApiClient } from "../../../agent/cluster/api-client.ts";
import { COMBINED_PREFIX } from "../../../agent/cluster/event-correlator.ts";
import { ApiEventRecorder } from "../../../agent/cluster/events.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { messages, REASON } from "../../../agent/events/messages.ts";
import { silentLogger } from "../../../agent/log.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";

const NODE = "n1";
const NS = "ev";
let cp: ControlPlaneHandle;
let client: ApiClient;
const closers: (() => unknown)[] = [];

before(async () => {
  cp = await startControlPlane();
  await cp.prepareNamespace(NS);
  client = new ApiClient(loadKubeconfig(cp.nodeKubeconfig(NODE)));
});

after(async () => {
  for (const close of closers.reverse()) await close();
  client?.close();
  await cp?.stop();
});

async function createPod(name: string): Promise<Pod> {
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS },
    spec: {
      nodeName: NODE,
      initContainers: [{ name: "init", image: "busybox:1.36" }],
      containers: [{ name: "app", image: "busybox:1.36" }],
    },
  };
  const out = await cp.kubectl(["create", "-o", "json", "-f", "-"], { input: JSON.stringify(manifest) });
  return JSON.parse(out) as Pod;
}

async function eventsOf(object: string): Promise<CoreEvent[]> {
  const out = await cp.kubectl([
    "get",
    "events",
    "-n",
    NS,
    "-o",
    "json",
    "--field-selector",
    `involvedObject.name=${object}`,
  ]);
  return (JSON.parse(out) as { items: CoreEvent[] }).items;
}

function recorder(over: Partial<ConstructorParameters<typeof ApiEventRecorder>[0]> = {}): ApiEventRecorder {
  const r = new ApiEventRecorder({
    client,
    nodeName: NODE,
    log: silentLogger(),
    retryDelaysMs: [50, 50],
    ...over,
  });
  closers.push(() => r.stop());
  return r;
}

describe("Events written with the node's credentials", () => {
  it("pod and container events carry the kubelet's fields; repeats raise the count", async () => {
    const pod = await createPod("web");
    const r = recorder();
    r.containerEvent(pod, "app", "Normal", REASON.Pulling, messages.pulling("busybox:1.36"));
    r.containerEvent(pod, "init", "Normal", REASON.Created, messages.created("init"));
    r.event(
      pod,
      "Warning",
      REASON.FailedMount,
      'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found',
    );
    for (let i = 0; i < 3; i++) {
      r.containerEvent(
        pod,
        "app",
        "Warning",
        REASON.Unhealthy,
        messages.probeFailed("liveness", "HTTP probe failed with statuscode: 500"),
      );
    }
    await r.flush();
    assert.deepEqual(r.stats(), {
      created: 4,
      patched: 2,
      rateLimited: 0,
      overflowed: 0,
      failed: 0,
      queued: 0,
    });

    const events = await eventsOf("web");
    const by = (reason: string) => events.filter((e) => e.reason === reason);
    assert.equal(events.length, 4);
    const pulling = by("Pulling")[0]!;
    assert.deepEqual(
      { ...pulling.involvedObject, resourceVersion: undefined },
      {
        kind: "Pod",
        apiVersion: "v1",
        namespace: NS,
        name: "web",
        uid: pod.metadata.uid,
        fieldPath: "spec.containers{app}",
        resourceVersion: undefined,
      },
    );
    assert.equal(pulling.type, "Normal");
    assert.equal(pulling.message, 'Pulling image "busybox:1.36"');
    assert.deepEqual(pulling.source, { component: "kubelet", host: NODE });
    assert.equal(pulling.reportingComponent, "kubelet");
    assert.equal(pulling.reportingInstance, NODE);
    assert.equal(pulling.count, 1);
    assert.ok(pulling.firstTimestamp && pulling.lastTimestamp);
    assert.equal(by("Created")[0]?.involvedObject.fieldPath, "spec.initContainers{init}");
    assert.equal(by("FailedMount")[0]?.involvedObject.fieldPath, undefined);
    const unhealthy = by("Unhealthy");
    assert.equal(unhealthy.length, 1);
    assert.equal(unhealthy[0]?.count, 3);
    assert.equal(unhealthy[0]?.type, "Warning");
    assert.equal(unhealthy[0]?.message, "Liveness probe failed: HTTP probe failed with statuscode: 500");

    // The Event expired (or someone deleted it): the next repeat creates it anew, count going on.
    await cp.kubectl(["delete", "event", "-n", NS, unhealthy[0]?.metadata.name ?? ""]);
    r.containerEvent(
      pod,
      "app",
      "Warning",
      REASON.Unhealthy,
      messages.probeFailed("liveness", "HTTP probe failed with statuscode: 500"),
    );
    await r.flush();
    const again = (await eventsOf("web")).filter((e) => e.reason === "Unhealthy");
    assert.equal(again.length, 1);
    assert.equal(again[0]?.count, 4);
  });

  it("node events go to the default namespace about the Node", async () => {
    const r = recorder();
    r.nodeEvent("Normal", REASON.Starting, messages.startingKubelet());
    await r.flush();
    assert.equal(r.stats().created, 1);
    const out = await cp.kubectl([
      "get",
      "events",
      "-n",
      "default",
      "-o",
      "json",
      "--field-selector",
      `involvedObject.kind=Node,involvedObject.name=${NODE}`,
    ]);
    const [e] = (JSON.parse(out) as { items: CoreEvent[] }).items;
    assert.equal(e?.reason, "Starting");
    assert.equal(e?.message, "Starting kubelet.");
    assert.equal(e?.involvedObject.uid, NODE);
  });

  it("a burst about one pod: 25 written (1 Event, count 25), the rest dropped by the rate limit", async () => {
    const pod = await createPod("crashy");
    const r = recorder();
    for (let i = 0; i < 40; i++) {
      r.containerEvent(pod, "app", "Warning", REASON.BackOff, messages.backOffRestart("app", pod));
    }
    await r.flush();
    assert.equal(r.stats().rateLimited, 15);
    const events = await eventsOf("crashy");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 25);
    assert.equal(
      events[0]?.message,
      "Back-off restarting failed container app in pod crashy_ev(" + pod.metadata.uid + ")",
    );
  });

  it("ten distinct messages of one reason are combined into one Event", async () => {
    const pod = await createPod("flappy");
    const r = recorder();
    for (let i = 1; i <= 12; i++) {
      r.containerEvent(
        pod,
        "app",
        "Warning",
        REASON.Unhealthy,
        messages.probeFailed("readiness", `attempt ${i}`),
      );
    }
    await r.flush();
    const events = await eventsOf("flappy");
    const combined = events.filter((e) => e.message.startsWith(COMBINED_PREFIX));
    assert.equal(events.length - combined.length, 9);
    assert.equal(combined.length, 1);
    assert.equal(combined[0]?.count, 3);
    assert.equal(combined[0]?.message, `${COMBINED_PREFIX}Readiness probe failed: attempt 12`);
  });

  it("a full queue drops the oldest events, the newest are written", async () => {
    const pod = await createPod("busy");
    const r = recorder({ maxQueued: 5 });
    for (let i = 1; i <= 20; i++) r.event(pod, "Normal", `Step${i}`, `step ${i}`);
    await r.flush();
    const reasons = new Set((await eventsOf("busy")).map((e) => e.reason));
    assert.equal(r.stats().overflowed, 14);
    // The first went straight to the writer; 16..20 were the last five queued.
    assert.deepEqual([...reasons].sort(), ["Step1", "Step16", "Step17", "Step18", "Step19", "Step20"].sort());
  });

  it("retries while the API server is unreachable, and writes once it answers", async () => {
    const pod = await createPod("late");
    const api = new URL(cp.apiServerURL);
    const port = await freePort();
    const conn = loadKubeconfig(cp.nodeKubeconfig(NODE));
    const viaProxy = new ApiClient({ ...conn, server: `https://127.0.0.1:${port}` });
    closers.push(() => viaProxy.close());
    const r = recorder({ client: viaProxy, retryDelaysMs: [300, 300, 300, 300, 300] });
    r.event(pod, "Warning", REASON.FailedCreatePodSandBox, messages.sandboxFailed("network not ready"));
    // Nothing listens yet: the first attempts are refused. Then a plain TCP relay appears.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const relay = await tcpRelay(port, api.hostname, Number(api.port));
    closers.push(() => relay.stop());
    await r.flush();
    assert.equal(r.stats().created, 1);
    assert.equal(r.stats().failed, 0);
    const [e] = await eventsOf("late");
    assert.equal(e?.message, "Failed to create pod sandbox: network not ready");
  });

  it("gives up after the last retry and keeps going", async () => {
    const port = await freePort();
    const conn = loadKubeconfig(cp.nodeKubeconfig(NODE));
    const nowhere = new ApiClient({ ...conn, server: `https://127.0.0.1:${port}` });
    closers.push(() => nowhere.close());
    const pod = await createPod("lost");
    const r = recorder({ client: nowhere, retryDelaysMs: [10, 10] });
    r.event(pod, "Normal", "A", "a");
    r.event(pod, "Normal", "B", "b");
    await r.flush();
    assert.equal(r.stats().failed, 2);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A plain TCP relay to the API server; stop() also cuts the connections it carries. */
function tcpRelay(port: number, host: string, target: number): Promise<{ stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.once("error", end);
    upstream.once("error", end);
    client.once("close", end);
    upstream.once("close", end);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ stop }));
  });
}
