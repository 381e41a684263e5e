// NodeAgent against a real kube-apiserver with the node's own credentials (Node authorizer +
// NodeRestriction): registration with labels/taints/status, Ready and its transitions, the
// heartbeat Lease at its real 10 s period, adoption of an existing Node, re-registration after a
// deletion, and the label rule matching what the API server itself refuses.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Lease } from "../../../agent/api/lease.ts";
import type { Node, NodeCondition } from "../../../agent/api/node.ts";
import { ApiClient, isApiError } from "../../../agent/cluster/api-client.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import type { NodeHealth } from "../../../agent/cluster/node/conditions.ts";
import { NodeLabelError } from "../../../agent/cluster/node/labels.ts";
import { leasePath } from "../../../agent/cluster/node/lease.ts";
import { KUBELET_VERSION, NodeAgent, type NodeAgentOptions } from "../../../agent/cluster/node/node-agent.ts";
import { nodePath } from "../../../agent/cluster/node/registration.ts";
import { createLogger, silentLogger } from "../../../agent/log.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { until } from "../../harness/until.ts";

let cp: ControlPlaneHandle;
let admin: ApiClient;
let rootDir: string;
const closers: (() => unknown)[] = [];
const log = process.env.NODELET_TEST_LOG ? createLogger("debug") : silentLogger();

before(async () => {
  cp = await startControlPlane();
  admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
  rootDir = mkdtempSync(join(tmpdir(), "nodelet-node-agent-"));
});

after(async () => {
  for (const close of closers.reverse()) await close();
  admin?.close();
  await cp?.stop();
  if (rootDir) rmSync(rootDir, { recursive: true, force: true });
});

function nodeClient(name: string): ApiClient {
  const c = new ApiClient(loadKubeconfig(cp.nodeKubeconfig(name)));
  closers.push(() => c.close());
  return c;
}

function agentFor(name: string, extra: Partial<NodeAgentOptions> = {}): NodeAgent {
  const agent = new NodeAgent({
    client: nodeClient(name),
    nodeName: name,
    nodeIP: "10.0.0.5",
    rootDir,
    runtimeVersion: async () => ({ runtimeName: "containerd", runtimeVersion: "1.6.20" }),
    images: async () => [
      { repoTags: ["registry.k8s.io/pause:3.9"], repoDigests: [], size: 300_000 },
      {
        repoTags: ["docker.io/library/busybox:1.36"],
        repoDigests: ["docker.io/library/busybox@sha256:ab"],
        size: 2_000_000,
      },
    ],
    health: () => ({ ok: true }),
    log,
    ...extra,
  });
  closers.push(() => agent.stop());
  return agent;
}

const getNode = (name: string) => admin.get<Node>(nodePath(name));
const getLease = (name: string) => admin.get<Lease>(leasePath(name));
const condition = (n: Node, type: string): NodeCondition | undefined =>
  n.status?.conditions?.find((c) => c.type === type);

describe("NodeAgent", () => {
  it("registers the Node, goes Ready, renews its Lease every 10 s and reports health changes", async () => {
    let health: NodeHealth = { ok: true };
    const agent = agentFor("n1", {
      labels: { "example.com/team": "a", "node.kubernetes.io/pool": "p" },
      taints: ["dedicated=gpu:NoSchedule"],
      health: () => health,
    });
    await agent.start();

    const node = await getNode("n1");
    assert.equal(node.metadata.uid, agent.node()?.metadata.uid);
    const arch = process.arch === "x64" ? "amd64" : process.arch;
    assert.deepEqual(node.metadata.labels, {
      "kubernetes.io/hostname": "n1",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": arch,
      "beta.kubernetes.io/os": "linux",
      "beta.kubernetes.io/arch": arch,
      "example.com/team": "a",
      "node.kubernetes.io/pool": "p",
    });
    // the TaintNodesByCondition admission plugin adds node.kubernetes.io/not-ready on creation
    assert.deepEqual(
      node.spec?.taints?.filter((t) => t.key !== "node.kubernetes.io/not-ready"),
      [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    );
    const st = node.status!;
    assert.deepEqual(st.addresses, [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "Hostname", address: "n1" },
    ]);
    assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.equal(st.nodeInfo?.containerRuntimeVersion, "containerd://1.6.20");
    assert.equal(st.nodeInfo?.kubeletVersion, KUBELET_VERSION);
    assert.equal(st.nodeInfo?.operatingSystem, "linux");
    assert.equal(st.nodeInfo?.architecture, arch);
    assert.match(st.nodeInfo?.bootID ?? "", /^[0-9a-f-]{36}$/);
    assert.ok(st.nodeInfo?.osImage && st.nodeInfo.kernelVersion && st.nodeInfo.machineID);
    assert.deepEqual(
      Object.keys(st.capacity ?? {})
        .filter((k) => !k.startsWith("hugepages-"))
        .sort(),
      ["cpu", "ephemeral-storage", "memory", "pods"],
    );
    assert.equal(st.capacity?.pods, "110");
    assert.equal(st.allocatable?.pods, "110");
    const alloc = agent.allocatable();
    assert.ok(alloc.memoryBytes > 0 && alloc.milliCPU > 0 && alloc.ephemeralStorageBytes > 0);
    const view = agent.admissionView();
    assert.ok(view);
    assert.deepEqual(view.allocatable, st.allocatable);
    assert.equal(view.labels["example.com/team"], "a");
    assert.ok(view.taints.some((t) => t.key === "dedicated"));
    assert.deepEqual(view.pressure, []);
    assert.deepEqual(st.images?.[0], {
      names: ["docker.io/library/busybox@sha256:ab", "docker.io/library/busybox:1.36"],
      sizeBytes: 2_000_000,
    });
    assert.deepEqual(
      st.conditions?.map((c) => [c.type, c.status]),
      [
        ["MemoryPressure", "False"],
        ["DiskPressure", "False"],
        ["PIDPressure", "False"],
        ["Ready", "True"],
      ],
    );
    assert.equal(condition(node, "Ready")?.reason, "KubeletReady");
    const readySince = condition(node, "Ready")!.lastTransitionTime;

    // the network plugin's condition, which the kubelet's strategic-merge writes must leave alone
    await admin.patch(
      `${nodePath("n1")}/status`,
      {
        status: {
          conditions: [
            {
              type: "NetworkUnavailable",
              status: "False",
              reason: "RouteCreated",
              message: "cni",
              lastTransitionTime: readySince,
            },
          ],
        },
      },
      "strategic",
    );

    // Lease: created with an owner reference, then renewed every 10 s
    const lease = await until("the Lease", () => getLease("n1"), 5_000);
    assert.equal(lease.spec?.holderIdentity, "n1");
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.match(lease.spec?.renewTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.deepEqual(lease.metadata.ownerReferences, [
      { apiVersion: "v1", kind: "Node", name: "n1", uid: node.metadata.uid },
    ]);
    const renewTimes = new Set([lease.spec!.renewTime!]);
    const started = Date.now();

    // health goes bad: Ready False within one status period (10 s, plus jitter and write time)
    health = { ok: false, reason: "container runtime is not responding: connection refused" };
    const wentBad = Date.now();
    const notReady = await until(
      "Ready=False",
      async () => {
        const n = await getNode("n1");
        renewTimes.add((await getLease("n1")).spec!.renewTime!);
        return condition(n, "Ready")?.status === "False" ? n : undefined;
      },
      13_000,
    );
    assert.ok(Date.now() - wentBad < 12_000, `Ready False after ${Date.now() - wentBad} ms`);
    assert.deepEqual(
      [condition(notReady, "Ready")?.reason, condition(notReady, "Ready")?.message],
      ["KubeletNotReady", "container runtime is not responding: connection refused"],
    );
    assert.equal(condition(notReady, "NetworkUnavailable")?.reason, "RouteCreated");
    assert.equal(
      condition(notReady, "MemoryPressure")?.lastTransitionTime,
      condition(node, "MemoryPressure")?.lastTransitionTime,
    );

    // ~25 s of heartbeats: at least two renewals after the first one
    while (Date.now() - started < 25_000) {
      renewTimes.add((await getLease("n1")).spec!.renewTime!);
      await sleep(1_000);
    }
    const times = [...renewTimes].sort();
    assert.ok(times.length >= 3, `renewTimes seen: ${times.join(", ")}`);
    const gaps = times.slice(1).map((t, i) => Date.parse(t) - Date.parse(times[i]!));
    for (const g of gaps) assert.ok(g >= 9_000 && g <= 11_000, `renew gap ${g} ms (${times.join(", ")})`);

    health = { ok: true };
    const readyAgain = await until(
      "Ready=True again",
      async () => {
        const n = await getNode("n1");
        return condition(n, "Ready")?.status === "True" ? n : undefined;
      },
      13_000,
    );
    assert.ok(condition(readyAgain, "Ready")!.lastTransitionTime! > readySince!);
  });

  it("a node that starts not ready is reported Ready as soon as its health turns ok, not a period later", async () => {
    let health: NodeHealth = { ok: false, reason: "waiting for the first relist" };
    const reasons: string[] = [];
    const agent = agentFor("fast", {
      health: () => health,
      statusUpdateFrequencyMs: 10_000,
      events: { nodeEvent: (_type, reason) => reasons.push(reason) },
    });
    await agent.start();
    const before = condition(await getNode("fast"), "Ready");
    assert.equal(before?.status, "False");
    assert.equal(before?.message, "waiting for the first relist");
    health = { ok: true };
    const t0 = Date.now();
    await until(
      "Ready=True",
      async () => (condition(await getNode("fast"), "Ready")?.status === "True" ? true : undefined),
      5_000,
    );
    assert.ok(Date.now() - t0 < 2_000, `Ready after ${Date.now() - t0} ms (status period 10 s)`);
    assert.deepEqual(reasons, [
      "NodeHasSufficientMemory",
      "NodeHasNoDiskPressure",
      "NodeHasSufficientPID",
      "NodeReady",
    ]);
  });

  it("adopts an existing Node, restoring the labels it owns and keeping the others", async () => {
    const pre = (await admin.create<Node>("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n2", labels: { "kubernetes.io/hostname": "stale", keep: "me" } },
    })) as Node;
    const agent = agentFor("n2", {
      labels: { "example.com/team": "b" },
      statusUpdateFrequencyMs: 1_000,
      leaseRenewIntervalMs: 1_000,
    });
    await agent.start();
    const node = await getNode("n2");
    assert.equal(node.metadata.uid, pre.metadata.uid);
    assert.equal(node.metadata.labels?.["kubernetes.io/hostname"], "n2");
    assert.equal(node.metadata.labels?.["kubernetes.io/os"], "linux");
    assert.equal(node.metadata.labels?.["example.com/team"], "b");
    assert.equal(node.metadata.labels?.keep, "me");
    assert.equal(condition(node, "Ready")?.status, "True");
    assert.equal(node.status?.nodeInfo?.kubeletVersion, KUBELET_VERSION);

    // someone else writes the Lease: the next renewal meets a conflict, re-reads and takes it back
    const lease = await until("the Lease", () => getLease("n2"), 5_000);
    const taken = await admin.update<Lease>(leasePath("n2"), {
      ...lease,
      spec: { ...lease.spec, holderIdentity: "intruder" },
    });
    await until(
      "the Lease renewed by n2 again",
      async () => {
        const l = await getLease("n2");
        return l.spec?.holderIdentity === "n2" && l.spec.renewTime! > taken.spec!.renewTime! ? l : undefined;
      },
      5_000,
    );

    // deleted behind its back: registered again, and the Lease follows the new uid
    await admin.delete(nodePath("n2"));
    const again = await until(
      "n2 registered again",
      async () => {
        const n = await getNode("n2");
        return n.metadata.uid !== pre.metadata.uid && condition(n, "Ready")?.status === "True"
          ? n
          : undefined;
      },
      10_000,
    );
    await until(
      "the Lease owned by the new Node",
      async () => {
        const l = await getLease("n2");
        return l.metadata.ownerReferences?.[0]?.uid === again.metadata.uid ? l : undefined;
      },
      15_000,
    );
  });

  it("with registration off, waits for the Node to exist and then keeps its status", async () => {
    const agent = agentFor("n4", { register: false, labels: { "example.com/team": "c" } });
    const started = agent.start();
    await sleep(1_500);
    await assert.rejects(getNode("n4"), (err: unknown) => isApiError(err, 404));
    await admin.create("/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n4" } });
    await started;
    const node = await getNode("n4");
    assert.equal(condition(node, "Ready")?.status, "True");
    assert.equal(node.metadata.labels?.["example.com/team"], undefined, "labels are not touched");
  });

  it("refuses at startup the labels NodeRestriction refuses, as the API server does", async () => {
    const c = nodeClient("n3");
    for (const label of ["node-restriction.kubernetes.io/pool", "node-role.kubernetes.io/worker"]) {
      assert.throws(() => agentFor("n3", { labels: { [label]: "x" } }), NodeLabelError);
      await assert.rejects(
        c.create("/api/v1/nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: "n3", labels: { [label]: "x" } },
        }),
        (err: unknown) => isApiError(err, 403),
      );
    }
    assert.throws(() => agentFor("n3", { taints: ["a=b:Sometimes"] }), /effect "Sometimes" is not one of/);
  });
});
