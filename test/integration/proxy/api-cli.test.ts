// `nodelet proxy --kubeconfig` as a user runs it: the built daemon in the node namespace of the
// proxy topology (client + three echo backends), Services and EndpointSlices created with kubectl
// against a real kube-apiserver, connections from the client namespace through the kernel rules.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { silentLogger } from "../../../agent/log.ts";
import { cleanupProxy } from "../../../proxy/start.ts";
import { exposeApiServer, type NetnsBridge } from "../../harness/api-bridge.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { spawnInNetns } from "../../harness/netns.ts";
import { backendIP, CLIENT_NODE_IP, countByBackend, Topology } from "./netns.ts";

const NODELET = resolve(import.meta.dirname, "../../../bin/nodelet");
const NODE = "n1";
const VIP = "10.96.60.60";
/** Full resyncs this often, so that the test sees what an incremental deletion leaves for later. */
const SYNC_PERIOD_MS = 3000;
const topo = new Topology("api");
let cp: ControlPlaneHandle;
let bridge: NetnsBridge | undefined;
let daemon: ChildProcess | undefined;
let daemonLog = "";
let dir: string | undefined;

const answers = (count: number) => topo.client("client", "tcp", VIP, 80, count);
const nftTable = () => {
  try {
    return topo.exec("node", ["nft", "list", "table", "ip", "nodelet"]);
  } catch {
    return "";
  }
};
/** The text of one map or set of the nodelet table (its elements). */
const nftObject = (kind: "map" | "set", name: string) =>
  new RegExp(`\\t${kind} ${name} \\{[^}]*\\}`).exec(nftTable())?.[0] ?? "";

async function until<T>(what: string, probe: () => Promise<T | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- nodelet log ---\n${daemonLog}`);
    await sleep(100);
  }
}

function slice(ready: [boolean, boolean, boolean]) {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-1", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [1, 2, 3].map((i) => ({ addresses: [backendIP(i)], conditions: { ready: ready[i - 1] } })),
    ports: [{ name: "", port: 8080, protocol: "TCP" }],
  };
}

before(async () => {
  cp = await startControlPlane();
  await topo.create();
  // The daemon runs in the node namespace, where the host's loopback (the API server) is not.
  bridge = await exposeApiServer(cp, topo.ns("node"));
  dir = mkdtempSync(join(tmpdir(), "nodelet-proxy-api-"));
  const proxyConfig = join(dir, "kube-proxy.yaml");
  writeFileSync(
    proxyConfig,
    `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
nftables: {minSyncPeriod: 100ms, syncPeriod: ${SYNC_PERIOD_MS / 1000}s}
`,
  );
  // The node's identity may list/watch Services but not EndpointSlices: grant kube-proxy's role.
  await cp.kubectl([
    "create",
    "clusterrolebinding",
    "nodelet-proxier",
    "--clusterrole=system:node-proxier",
    `--user=system:node:${NODE}`,
  ]);
  daemon = spawnInNetns(
    topo.ns("node"),
    [
      NODELET,
      "proxy",
      "--kubeconfig",
      cp.nodeKubeconfig(NODE, { server: bridge.url }),
      "--proxy-config",
      proxyConfig,
      "--node-name",
      NODE,
      "--node-ip",
      CLIENT_NODE_IP,
      "--proxy-healthz-bind-address",
      "",
      "--proxy-metrics-bind-address",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  daemon.stdout!.on("data", (d: Buffer) => {
    daemonLog += d.toString();
  });
  daemon.stderr!.on("data", (d: Buffer) => {
    daemonLog += d.toString();
  });
});

after(async () => {
  try {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once("exit", r));
      daemon.kill("SIGTERM");
      await exited;
    }
    await cleanupProxy(silentLogger(), topo.ns("node")).catch(() => {});
  } finally {
    await bridge?.stop();
    topo.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await cp?.stop();
  }
});

describe("nodelet proxy --kubeconfig", () => {
  it("sends ClusterIP connections to the ready endpoints of an EndpointSlice created with kubectl", async () => {
    await cp.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "web", namespace: "default" },
            spec: { clusterIP: VIP, ports: [{ port: 80, targetPort: 8080 }] },
          },
          slice([true, true, true]),
        ],
      }),
    });
    await until("the Service's endpoints in the nft table", async () =>
      nftTable().includes(`${backendIP(3)} . 8080`),
    );
    const counts = countByBackend(await answers(60));
    assert.deepEqual(Object.keys(counts).sort(), ["b1", "b2", "b3"], JSON.stringify(counts));
  });

  it("stops sending new connections to an endpoint that turns not ready", async () => {
    await cp.kubectl(["apply", "-f", "-"], { input: JSON.stringify(slice([true, true, false])) });
    const counts = await until("b3 out of rotation", async () => {
      const c = countByBackend(await answers(30));
      return c.b3 === undefined ? c : false;
    });
    assert.deepEqual(Object.keys(counts).sort(), ["b1", "b2"], JSON.stringify(counts));
  });

  it("removes the rules of a deleted Service", async () => {
    await cp.kubectl(["delete", "service", "web"]);
    // At once: the VIP leaves the dispatch map, so no connection to it is DNATed any more.
    await until(
      "the VIP gone from the service-ips map",
      async () => !nftObject("map", "service-ips").includes(VIP),
    );
    const [answer] = await answers(1);
    assert.doesNotMatch(answer!, /^b[123] /);
    // The endpoint map elements an incremental sync leaves (they can never match) go with the next full sync.
    await until(
      "the VIP gone from the whole table",
      async () => !nftTable().includes(VIP),
      SYNC_PERIOD_MS * 3,
    );
    assert.doesNotMatch(nftObject("set", "hairpin"), /10\.244\./);
    // The daemon is still running and following the API.
    assert.equal(daemon!.exitCode, null, daemonLog);
  });
});
