// Cluster pod startup: N Pods created at once in a real kube-apiserver with spec.nodeName set; time
// from each create request to the watch event showing all its containers started (the upstream pod
// startup SLO, measured by a watch client of this process). In the same run, for the same N: the
// raw CRI floor (cri-floor.ts, no agent at all) and the standalone figure (the same pods dropped into
// the manifests directory, time to every container running).
//
//   npm run bench:cluster             (SIZES=30: pods created at once; SIZES=5,10,30 runs each)
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient } from "../../agent/cluster/api-client.ts";
import { loadKubeconfig } from "../../agent/cluster/kubeconfig.ts";
import { callUnary, type CriClients, loadCriClients } from "../../cri/grpc/clients.ts";
import { exposeApiServer, type NetnsBridge } from "../harness/api-bridge.ts";
import { type ContainerdHandle, startContainerd } from "../harness/containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "../harness/control-plane.ts";
import { BUSYBOX_IMAGE } from "../harness/images.ts";
import { startNodelet } from "../harness/nodelet.ts";
import { CALL_TIMEOUT, criFloorRound, type Figures, figures } from "./cri-floor.ts";

const SIZES = (process.env.SIZES ?? process.env.PODS ?? "30").split(",").map(Number);
const TARGET_P99_MS = 1000;

interface WatchedPod {
  metadata: { name: string };
  status?: { containerStatuses?: { started?: boolean; state?: { running?: unknown } }[] };
}

async function untilNoSandboxes(cri: CriClients): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
    const { items } = await callUnary<{ items: unknown[] }>(cri.runtime, "ListPodSandbox", {}, CALL_TIMEOUT);
    if (items.length === 0) return;
  }
  throw new Error("pods of the previous round still in the runtime after 120 s");
}

/** Manifests directory → every container running, as `nodelet get pods` shows it. */
async function standaloneRound(ctd: ContainerdHandle, cri: CriClients, pods: number): Promise<Figures> {
  const node = await startNodelet(ctd, {
    name: `standalone-${pods}`,
    extraArgs: ["--healthz-port", "0"],
    logLevel: "info",
  });
  try {
    const latency: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < pods; i++) {
      node.writeManifest(
        `s${i}.yaml`,
        `apiVersion: v1\nkind: Pod\nmetadata: {name: s${i}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers: [{name: main, image: ${BUSYBOX_IMAGE}, imagePullPolicy: IfNotPresent, command: [sleep, '3600']}]\n`,
      );
    }
    const seen = new Set<string>();
    for (const deadline = Date.now() + 120_000; seen.size < pods && Date.now() < deadline; await sleep(20)) {
      for (const p of await node.pods()) {
        const name = p.metadata.name ?? "";
        if (!seen.has(name) && p.status?.containerStatuses?.every((c) => c.state.running)) {
          seen.add(name);
          latency.push(Date.now() - t0);
        }
      }
    }
    if (seen.size < pods) throw new Error(`standalone: only ${seen.size}/${pods} pods running`);
    for (let i = 0; i < pods; i++) rmSync(`${node.manifestsDir}/s${i}.yaml`);
    await untilNoSandboxes(cri);
    return figures(latency);
  } finally {
    await node.stop();
  }
}

/** API create → the watch shows every container started (the upstream SLO's definition). */
async function clusterRound(
  ctd: ContainerdHandle,
  cri: CriClients,
  cp: ControlPlaneHandle,
  bridge: NetnsBridge,
  pods: number,
): Promise<Figures> {
  const node = await startNodelet(ctd, {
    name: `cluster-${pods}`,
    extraArgs: [
      "--kubeconfig",
      cp.nodeKubeconfig("test-node", { server: bridge.url }),
      "--node-ip",
      "10.244.0.1",
      "--proxy-mode",
      "none",
      "--healthz-port",
      "0",
    ],
    logLevel: "info",
  });
  const admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
  const abort = new AbortController();
  try {
    for (let i = 0; i < 100; i++) {
      const n = await admin
        .get<{ status: { conditions?: { type: string; status: string }[] } }>("/api/v1/nodes/test-node")
        .catch(() => undefined);
      if (n?.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
      await sleep(200);
    }
    const sent = new Map<string, number>();
    const latency = new Map<string, number>();
    const list = await admin.get<{ metadata: { resourceVersion: string } }>(
      "/api/v1/namespaces/default/pods",
    );
    const watching = admin
      .watch<WatchedPod>(
        `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
        (ev) => {
          const name = ev.object.metadata.name;
          const cs = ev.object.status?.containerStatuses;
          const t = sent.get(name);
          if (
            t !== undefined &&
            !latency.has(name) &&
            cs?.length &&
            cs.every((c) => c.started && c.state?.running)
          )
            latency.set(name, Date.now() - t);
        },
        abort.signal,
      )
      .catch(() => {});
    const names = Array.from({ length: pods }, (_, i) => `c${pods}-${i}`);
    await Promise.all(
      names.map((name) => {
        sent.set(name, Date.now());
        return admin.create("/api/v1/namespaces/default/pods", {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name },
          spec: {
            nodeName: "test-node",
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: "main",
                image: BUSYBOX_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: ["sleep", "3600"],
              },
            ],
          },
        });
      }),
    );
    for (const deadline = Date.now() + 120_000; latency.size < pods && Date.now() < deadline; )
      await sleep(50);
    abort.abort();
    await watching;
    if (latency.size < pods) throw new Error(`cluster: only ${latency.size}/${pods} pods seen started`);
    await Promise.all(names.map((n) => admin.delete(`/api/v1/namespaces/default/pods/${n}`)));
    await untilNoSandboxes(cri);
    return figures([...latency.values()]);
  } finally {
    abort.abort();
    admin.close();
    await node.stop();
  }
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

const ctd = await startContainerd();
const cri = await loadCriClients(ctd.endpoint);
const cp = await startControlPlane();
const bridge = await exposeApiServer(cp, ctd.netns);
try {
  for (const pods of SIZES) {
    // The floor runs while no nodelet runs (nodelet would rightly remove sandboxes it does not know).
    const floor = await criFloorRound(cri, {
      pods,
      round: `n${pods}`,
      logsRoot: `${ctd.dir}/floor-logs`,
      cgroupRoot: ctd.cgroupRoot,
    });
    const standalone = await standaloneRound(ctd, cri, pods);
    const cluster = await clusterRound(ctd, cri, cp, bridge, pods);
    console.log(
      `${pods} pods at once: CRI floor p50/p99 ${floor.p50}/${floor.p99} ms | standalone ${standalone.p50}/${standalone.p99} ms | ` +
        `cluster (API create → watch shows all containers started) ${cluster.p50}/${cluster.p99} ms`,
    );
    console.log(
      `  cluster/floor p50 ${ratio(cluster.p50, floor.p50)} p99 ${ratio(cluster.p99, floor.p99)}; ` +
        `cluster/standalone p50 ${ratio(cluster.p50, standalone.p50)} p99 ${ratio(cluster.p99, standalone.p99)}; ` +
        `target p99 <= ${TARGET_P99_MS} ms: ${cluster.p99 <= TARGET_P99_MS ? "met" : floor.p99 > TARGET_P99_MS ? "below the CRI floor itself" : "NOT met"}`,
    );
  }
} finally {
  cri.close();
  await bridge.stop();
  await cp.stop();
  await ctd.stop();
}
