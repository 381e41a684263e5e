// The cluster features of `nodelet run --kubeconfig` shown through the built daemon against a real
// kube-apiserver: joining by TLS bootstrapping, ConfigMap updates, Secret env and service-account tokens read inside a running
// container, Services/EndpointSlices turned into kernel rules, and a daemon restart that restarts no
// container. One control plane, one containerd and one daemon for the whole file.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { GrpcRuntime } from "../../../cri/grpc/index.ts";
import { silentLogger } from "../../../agent/log.ts";
import { ApiClient } from "../../../agent/cluster/api-client.ts";
import { CSR_PATH, type CsrList } from "../../../agent/cluster/bootstrap/csr-object.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { exposeApiServer, type NetnsBridge } from "../../harness/api-bridge.ts";
import { approveAndSign, writeBootstrapKubeconfig } from "../../harness/csr-signer.ts";
import { until as poll } from "../../harness/until.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import { execInNetns } from "../../harness/netns.ts";
import { type NodeletHandle, startNodelet } from "../../harness/nodelet.ts";

const NS = "e2e";
const VIP = "10.96.70.70";
/** Full proxy resyncs this often, so the test sees the leftovers of an incremental deletion go. */
const PROXY_SYNC_S = 3;

let ctd: ContainerdHandle;
let cp: ControlPlaneHandle;
let bridge: NetnsBridge;
let node: NodeletHandle;
let rt: GrpcRuntime;
let nodeKubeconfig: string;

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

const getJson = async (args: string[], namespace = NS): Promise<Json> =>
  JSON.parse(await cp.kubectl(["-n", namespace, ...args, "-o", "json"]));
const apply = (obj: Json) => cp.kubectl(["apply", "-f", "-"], { input: JSON.stringify(obj) });

const nodeLogTail = () =>
  `--- nodelet log ---\n${(node?.logLines() ?? [])
    .slice(-15)
    .map((l) => JSON.stringify(l))
    .join("\n")}`;

/** Waits for fn, with the daemon's last log lines in the error. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> =>
  poll(what, fn, timeoutMs, nodeLogTail);

function pod(name: string, spec: Json, labels: Record<string, string> = {}): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: name, ...labels } },
    spec: { nodeName: "test-node", terminationGracePeriodSeconds: 1, ...spec },
  };
}

const container = (command: string[], extra: Json = {}): Json => ({
  name: "c",
  image: BUSYBOX_IMAGE,
  imagePullPolicy: "Never",
  command,
  ...extra,
});

async function running(name: string): Promise<Json> {
  return until(`${name} Running`, async () => {
    const p = await getJson(["get", "pod", name]);
    return p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  });
}

const containerId = (p: Json): string =>
  p.status.containerStatuses[0].containerID.replace(/^containerd:\/\//, "");

/** What the command prints inside the container (CRI ExecSync, as `kubectl exec` would end up doing). */
async function execIn(p: Json, cmd: string[]): Promise<string> {
  const r = await rt.execSync(containerId(p), cmd, 10);
  assert.equal(r.exitCode, 0, `${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** GET http://VIP/ from containerd's network namespace (the node's), through the kernel rules. */
// (Not wget -T: Debian's busybox 1.35 wget crashes with it.)
const fetchVip = () =>
  execInNetns(ctd.netns, ["busybox", "wget", "-O", "-", `http://${VIP}/`], { timeoutMs: 5000 });
const nftTable = async () => (await execInNetns(ctd.netns, ["nft", "list", "table", "ip", "nodelet"])).stdout;

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

before(async () => {
  [ctd, cp] = await Promise.all([startContainerd(), startControlPlane()]);
  await cp.prepareNamespace(NS);
  // The Service proxy lists Services and EndpointSlices cluster-wide: the README's binding.
  await cp.kubectl([
    "create",
    "clusterrolebinding",
    "nodelet-proxier",
    "--clusterrole=system:node-proxier",
    "--group=system:nodes",
  ]);
  bridge = await exposeApiServer(cp, ctd.netns);
  const proxyConfig = join(ctd.dir, "kube-proxy.yaml");
  await writeFile(
    proxyConfig,
    `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
nftables: {minSyncPeriod: 100ms, syncPeriod: ${PROXY_SYNC_S}s}
`,
  );
  // The node joins by TLS bootstrapping: it has only a bootstrap credential, files its CSR and waits
  // (startNodelet returns once the daemon is up, i.e. after the certificate came) while this test
  // approves and signs as kube-controller-manager would.
  const bootstrap = await writeBootstrapKubeconfig(cp, ctd.dir, bridge.url);
  nodeKubeconfig = join(ctd.dir, "kubelet.kubeconfig");
  const admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
  const signing = until("the node's CertificateSigningRequest", async () => {
    const csrs = await admin.get<CsrList>(CSR_PATH);
    return csrs.items.find((c) => c.spec.username === "system:serviceaccount:kube-system:bootstrapper");
  })
    .then((csr) => approveAndSign(cp, admin, csr.metadata.name!))
    .finally(() => admin.close());
  node = await startNodelet(ctd, {
    extraArgs: [
      "--bootstrap-kubeconfig",
      bootstrap,
      "--kubeconfig",
      nodeKubeconfig,
      "--node-ip",
      "10.244.0.1",
      "--proxy-config",
      proxyConfig,
    ],
    logLevel: "info",
  });
  await signing;
  rt = await GrpcRuntime.connect(ctd.endpoint, silentLogger());
  await cp.kubectl(["-n", NS, "create", "configmap", "app-config", "--from-literal=color=blue"]);
  await cp.kubectl([
    "-n",
    NS,
    "create",
    "secret",
    "generic",
    "creds",
    "--from-literal=user=admin",
    "--from-literal=pass=s3cret",
  ]);
  // One pod for the volume, env and token tests (and the restart): the default service account
  // token is mounted by the ServiceAccount admission plugin's kube-api-access volume.
  await apply(
    pod("app", {
      volumes: [{ name: "config", configMap: { name: "app-config" } }],
      containers: [
        container(["sleep", "3600"], {
          volumeMounts: [{ name: "config", mountPath: "/etc/app" }],
          env: [{ name: "DB_PASS", valueFrom: { secretKeyRef: { name: "creds", key: "pass" } } }],
          envFrom: [{ secretRef: { name: "creds" }, prefix: "CREDS_" }],
        }),
      ],
    }),
  );
});

after(async () => {
  rt?.close();
  await node?.stop();
  await bridge?.stop();
  await cp?.stop();
  await ctd?.stop();
});

test("the node joined by TLS bootstrapping: its kubeconfig authenticates as system:node:test-node", async () => {
  const client = new ApiClient(loadKubeconfig(nodeKubeconfig));
  try {
    const review = await client.create<{ status: { userInfo: { username: string; groups: string[] } } }>(
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    assert.equal(review.status.userInfo.username, "system:node:test-node");
    assert.ok(review.status.userInfo.groups.includes("system:nodes"));
  } finally {
    client.close();
  }
  const n = await until("node Ready", async () => {
    const j = await getJson(["get", "node", "test-node"]);
    return j.status.conditions.find((c: Json) => c.type === "Ready")?.status === "True" ? j : undefined;
  });
  assert.equal(n.metadata.name, "test-node");
});

test("a ConfigMap update reaches the running container's volume without restarting it", async (t) => {
  const p = await running("app");
  assert.equal(await execIn(p, ["cat", "/etc/app/color"]), "blue");
  const t0 = Date.now();
  await cp.kubectl(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "app-config", namespace: NS },
      data: { color: "green" },
    }),
  });
  await until(
    "green inside the container",
    async () => (await execIn(p, ["cat", "/etc/app/color"])) === "green",
  );
  const took = Date.now() - t0;
  t.diagnostic(`the new content was read inside the container ${took} ms after kubectl apply`);
  assert.ok(took < 10_000, `update visible after ${took} ms`);
  const now = await getJson(["get", "pod", "app"]);
  assert.equal(now.status.containerStatuses[0].containerID, p.status.containerStatuses[0].containerID);
  assert.equal(now.status.containerStatuses[0].restartCount, 0);
});

test("secretKeyRef and envFrom secret values are in the container's environment", async () => {
  const p = await running("app");
  const env = Object.fromEntries(
    (await execIn(p, ["env"]))
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  assert.equal(env.DB_PASS, "s3cret");
  assert.equal(env.CREDS_user, "admin");
  assert.equal(env.CREDS_pass, "s3cret");
});

test("the projected service-account token authenticates as the pod's service account", async () => {
  const p = await running("app");
  const [token, ca, namespace] = await Promise.all([
    execIn(p, ["cat", `${SA_DIR}/token`]),
    execIn(p, ["cat", `${SA_DIR}/ca.crt`]),
    execIn(p, ["cat", `${SA_DIR}/namespace`]),
  ]);
  assert.equal(ca, await readFile(cp.caFile, "utf8"));
  assert.equal(namespace, NS);
  const review = JSON.parse(
    await cp.kubectl(["create", "-f", "-", "-o", "json"], {
      input: JSON.stringify({
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      }),
    }),
  );
  assert.equal(review.status.authenticated, true, JSON.stringify(review.status));
  assert.equal(review.status.user.username, `system:serviceaccount:${NS}:default`);
  assert.deepEqual(review.status.user.extra["authentication.kubernetes.io/pod-name"], ["app"]);
  assert.deepEqual(review.status.user.extra["authentication.kubernetes.io/pod-uid"], [p.metadata.uid]);
});

function endpointSlice(ip: string, ready: boolean, podUid: string): Json {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-1", namespace: NS, labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [
      {
        addresses: [ip],
        conditions: { ready },
        nodeName: "test-node",
        targetRef: { kind: "Pod", namespace: NS, name: "backend", uid: podUid },
      },
    ],
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

test("a Service and its EndpointSlice in the API become working rules on the node", async () => {
  await apply(
    pod("backend", {
      containers: [
        container([
          "sh",
          "-c",
          'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www',
        ]),
      ],
    }),
  );
  const backend = await running("backend");
  const ip = backend.status.podIP;
  // A node has a route that covers ClusterIPs (usually its default route); containerd's namespace
  // has only the pod bridge, there once a pod runs. Without one, connect() fails before any rule.
  const route = await execInNetns(ctd.netns, ["ip", "route", "replace", "10.96.0.0/12", "dev", "nl0"]);
  assert.equal(route.code, 0, route.stderr);
  await apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: NS },
    spec: {
      clusterIP: VIP,
      selector: { app: "backend" },
      ports: [{ name: "http", port: 80, targetPort: 8080 }],
    },
  });
  // No endpointslice controller in this control plane: the test writes what it would.
  await apply(endpointSlice(ip, true, backend.metadata.uid));
  const answer = await until("an answer through the ClusterIP", async () => {
    const r = await fetchVip();
    if (r.code !== 0) throw new Error(`${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  });
  assert.equal(answer, "hello from backend\n");

  await apply(endpointSlice(ip, false, backend.metadata.uid));
  const refused = await until("connections to the ClusterIP refused", async () => {
    const r = await fetchVip();
    return r.code !== 0 ? r.stderr : undefined;
  });
  assert.match(refused, /Connection refused/);

  await cp.kubectl(["-n", NS, "delete", "service", "web"]);
  await until(
    "no rule for the ClusterIP left",
    async () => {
      const table = await nftTable();
      return table.includes("service-ips") && !table.includes(VIP);
    },
    PROXY_SYNC_S * 1000 * 4,
  );
  const r = await fetchVip();
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stdout, /hello/);
});

test("a restarted daemon restarts no container and picks up what changed while it was down", async () => {
  const app = await running("app");
  const was = app.status.containerStatuses[0];
  await node.stop();
  // While nodelet is down: a new pod is bound to the node, another one is deleted.
  await apply(pod("late", { containers: [container(["sleep", "3600"])] }));
  await cp.kubectl(["-n", NS, "delete", "pod", "backend", "--wait=false"]);
  const restartedAt = Date.now();
  await node.restart();

  await running("late");
  await until("backend's object removed", async () => {
    const out = await cp.kubectl(["-n", NS, "get", "pods", "-o", "name"]);
    return !out.includes("pod/backend");
  });
  const backendLeft = (await rt.listContainers()).filter(
    (c) => c.labels["io.kubernetes.pod.name"] === "backend" && c.state === "running",
  );
  assert.deepEqual(backendLeft, []);

  const appAfter = await getJson(["get", "pod", "app"]);
  const now = appAfter.status.containerStatuses[0];
  assert.equal(now.containerID, was.containerID);
  assert.equal(now.restartCount, 0);
  assert.equal(now.state.running.startedAt, was.state.running.startedAt);
  // The status the restarted daemon writes is the one it wrote before, transition times included.
  assert.deepEqual(appAfter.status, app.status);
  const status = await rt.containerStatus(containerId(app));
  assert.equal(status?.state, "running");

  await until("Node Ready with its Lease renewed after the restart", async () => {
    const n = await getJson(["get", "node", "test-node"]);
    const lease = await getJson(["get", "lease", "test-node"], "kube-node-lease");
    return (
      n.status.conditions.find((c: Json) => c.type === "Ready")?.status === "True" &&
      Date.parse(lease.spec.renewTime) >= restartedAt - 1000
    );
  });
});
