// Cluster pod startup: 30 Pods created at once in a real kube-apiserver with spec.nodeName set; time
// from each create request to the watch event showing all its containers started (the upstream pod
// startup SLO, measured by a watch client of this process). In the same run, the standalone figure:
// the same 30 pods dropped into the manifests directory, time to the runtime's startedAt.
//
//   npm run bench:cluster     (PODS=30)
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient } from "../../agent/cluster/api-client.ts";
import { loadKubeconfig } from "../../agent/cluster/kubeconfig.ts";
import { exposeApiServer } from "../harness/api-bridge.ts";
import { startContainerd } from "../harness/containerd.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import { BUSYBOX_IMAGE } from "../harness/images.ts";
import { startNodelet } from "../harness/nodelet.ts";

const PODS = Number(process.env.PODS ?? 30);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface WatchedPod {
  metadata: { name: string };
  status?: { containerStatuses?: { started?: boolean; state?: { running?: unknown } }[] };
}

const ctd = await startContainerd();
const cp = await startControlPlane();
const bridge = await exposeApiServer(cp, ctd.netns);
try {
  // Standalone floor (the foundation benchmark's measurement): manifests → containers running.
  const standalone = await startNodelet(ctd, {
    name: "standalone",
    extraArgs: ["--healthz-port", "0"],
    logLevel: "info",
  });
  const floor: number[] = [];
  try {
    const t0 = Date.now();
    for (let i = 0; i < PODS; i++) {
      standalone.writeManifest(
        `s${i}.yaml`,
        `apiVersion: v1\nkind: Pod\nmetadata: {name: s${i}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers: [{name: main, image: ${BUSYBOX_IMAGE}, imagePullPolicy: IfNotPresent, command: [sleep, '3600']}]\n`,
      );
    }
    const seen = new Set<string>();
    for (const deadline = Date.now() + 120_000; seen.size < PODS && Date.now() < deadline; await sleep(20)) {
      for (const p of await standalone.pods()) {
        const name = p.metadata.name ?? "";
        if (!seen.has(name) && p.status?.containerStatuses?.every((c) => c.state.running)) {
          seen.add(name);
          floor.push(Date.now() - t0);
        }
      }
    }
    // Remove them so the cluster round starts from an empty runtime.
    for (let i = 0; i < PODS; i++) rmSync(`${standalone.manifestsDir}/s${i}.yaml`);
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
      if ((await standalone.pods()).length === 0) break;
    }
    await sleep(3000);
  } finally {
    await standalone.stop();
  }

  const node = await startNodelet(ctd, {
    name: "cluster",
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
  try {
    const admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
    for (let i = 0; i < 100; i++) {
      const n = await admin
        .get<{ status: { conditions?: { type: string; status: string }[] } }>("/api/v1/nodes/test-node")
        .catch(() => undefined);
      if (n?.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
      await sleep(200);
    }
    const sent = new Map<string, number>();
    const latency = new Map<string, number>();
    const abort = new AbortController();
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
          ) {
            latency.set(name, Date.now() - t);
          }
        },
        abort.signal,
      )
      .catch(() => {});
    await Promise.all(
      Array.from({ length: PODS }, (_, i) => {
        const name = `c${i}`;
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
    for (const deadline = Date.now() + 120_000; latency.size < PODS && Date.now() < deadline; )
      await sleep(50);
    abort.abort();
    await watching;
    admin.close();
    const xs = [...latency.values()];
    console.log(
      `standalone (manifests dir, ${PODS} pods): p50 ${percentile(floor, 50)} ms p99 ${percentile(floor, 99)} ms`,
    );
    console.log(
      `cluster (API create → watch shows all containers started, ${xs.length}/${PODS} pods): p50 ${percentile(xs, 50)} ms p99 ${percentile(xs, 99)} ms` +
        ` | ratio to standalone p50 ${(percentile(xs, 50) / percentile(floor, 50)).toFixed(2)}x p99 ${(percentile(xs, 99) / percentile(floor, 99)).toFixed(2)}x (target p99 <= 1000 ms)`,
    );
  } finally {
    await node.stop();
  }
} finally {
  await bridge.stop();
  await cp.stop();
  await ctd.stop();
}
