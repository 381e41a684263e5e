// configMap / secret / downwardAPI / projected volumes, env and pull secrets read with the node's
// own credentials from a real kube-apiserver (Node authorizer + NodeRestriction on), written to a
// temporary kubelet root with real tmpfs mounts; every mount is undone in `after`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { ApiClient } from "../../../agent/cluster/api-client.ts";
import { ApiPodObjects } from "../../../agent/cluster/api-pod-objects.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { TokenManager } from "../../../agent/cluster/token-manager.ts";
import { buildEnv } from "../../../agent/container/env.ts";
import { fetchEnvSources } from "../../../agent/container/env-sources.ts";
import { silentLogger } from "../../../agent/log.ts";
import { imagePullCredentials } from "../../../agent/pod/pull-credentials.ts";
import { listMounts, mountsUnder } from "../../../agent/volumes/mounts.ts";
import { volumePlugins } from "../../../agent/volumes/pod-volumes.ts";
import { VolumeManager } from "../../../agent/volumes/volume-manager.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";

const NS = "vol";
const NODE = "n1";
const tmp = await mkdtemp(join(tmpdir(), "nodelet-apivol-"));
const rootDir = join(tmp, "kubelet");
let cp: ControlPlaneHandle;
let admin: ApiClient;
let nodeClient: ApiClient;
let objects: ApiPodObjects;
let vm: VolumeManager;
const changed: string[] = [];

before(async () => {
  cp = await startControlPlane();
  await cp.prepareNamespace(NS);
  admin = new ApiClient(await loadKubeconfig(cp.adminKubeconfig));
  nodeClient = new ApiClient(await loadKubeconfig(cp.nodeKubeconfig(NODE)));
  objects = new ApiPodObjects({ client: nodeClient, log: silentLogger(), syncTimeoutMs: 5_000 });
  objects.onChange((uids) => changed.push(...uids));
  objects.start();
  vm = new VolumeManager({ rootDir, logger: silentLogger(), plugins: volumePlugins({ objects }) });
});

after(async () => {
  for (const m of mountsUnder(await listMounts(), tmp)) {
    try {
      execFileSync("umount", [m.mountPoint]);
    } catch {
      execFileSync("umount", ["-l", m.mountPoint]);
    }
  }
  await rm(tmp, { recursive: true, force: true });
  await objects?.stop();
  admin?.close();
  nodeClient?.close();
  await cp?.stop();
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

async function createPod(name: string, spec: Partial<Pod["spec"]>): Promise<Pod> {
  return admin.create<Pod>(`/api/v1/namespaces/${NS}/pods`, {
    metadata: { name, labels: { app: name, tier: "back" } },
    spec: { nodeName: NODE, containers: [{ name: "app", image: "busybox" }], ...spec },
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const volPath = (pod: Pod, plugin: string, name: string) =>
  join(rootDir, "pods", pod.metadata.uid!, "volumes", plugin, name);

test("configMap, secret, downwardAPI and the kube-api-access projected volume", async () => {
  await admin.create(`/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "app-config" },
    data: { "app.conf": "color=blue\n", extra: "1" },
    binaryData: { "logo.bin": Buffer.from([0, 255]).toString("base64") },
  });
  await admin.create(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "creds" },
    data: { user: b64("admin"), pass: b64("s3cret") },
  });
  const pod = await createPod("web", {
    volumes: [
      { name: "config", configMap: { name: "app-config" } },
      {
        name: "picked",
        configMap: { name: "app-config", items: [{ key: "extra", path: "sub/extra.txt", mode: 0o600 }] },
      },
      { name: "secret", secret: { secretName: "creds", defaultMode: 0o400 } },
      {
        name: "meta",
        downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
      },
    ],
  });
  const access = pod.spec.volumes!.find((v) => v.name.startsWith("kube-api-access-"));
  assert.ok(access, "the ServiceAccount admission plugin added the kube-api-access volume");
  objects.registerPod(pod);

  const vols = await vm.setUp(pod);

  // configMap: the atomic layout — ..data -> ..<timestamp>, <key> -> ..data/<key>
  const config = volPath(pod, "kubernetes.io~configmap", "config");
  assert.deepEqual(vols.get("config"), { hostPath: config, readOnly: true });
  const target = await readlink(join(config, "..data"));
  assert.match(target, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\w+$/);
  assert.equal(await readlink(join(config, "app.conf")), "..data/app.conf");
  assert.equal(await readFile(join(config, "app.conf"), "utf8"), "color=blue\n");
  assert.deepEqual([...(await readFile(join(config, "logo.bin")))], [0, 255]);
  assert.equal((await stat(join(config, "app.conf"))).mode & 0o777, 0o644);
  assert.deepEqual(
    (await readdir(config)).sort(),
    ["..data", target, "app.conf", "extra", "logo.bin"].sort(),
  );

  const picked = volPath(pod, "kubernetes.io~configmap", "picked");
  assert.equal(await readlink(join(picked, "sub")), "..data/sub");
  assert.equal(await readFile(join(picked, "sub/extra.txt"), "utf8"), "1");
  assert.equal((await stat(join(picked, "sub/extra.txt"))).mode & 0o777, 0o600);

  // secret: on a tmpfs, mode from defaultMode
  const secret = volPath(pod, "kubernetes.io~secret", "secret");
  const mount = (await listMounts()).find((m) => m.mountPoint === secret);
  assert.equal(mount?.fsType, "tmpfs");
  assert.equal(await readFile(join(secret, "pass"), "utf8"), "s3cret");
  assert.equal((await stat(join(secret, "user"))).mode & 0o777, 0o400);

  const meta = volPath(pod, "kubernetes.io~downward-api", "meta");
  assert.equal(await readFile(join(meta, "labels"), "utf8"), 'app="web"\ntier="back"');

  // kube-api-access: token (TokenRequest bound to the pod), ca.crt, namespace, on a tmpfs
  const sa = volPath(pod, "kubernetes.io~projected", access.name);
  assert.equal((await listMounts()).find((m) => m.mountPoint === sa)?.fsType, "tmpfs");
  assert.equal(await readFile(join(sa, "namespace"), "utf8"), NS);
  assert.equal(await readFile(join(sa, "ca.crt"), "utf8"), await readFile(cp.caFile, "utf8"));
  assert.equal((await stat(join(sa, "token"))).mode & 0o777, 0o644);
  const token = await readFile(join(sa, "token"), "utf8");
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const review = await admin.create<{
    status: { authenticated?: boolean; user?: { username: string; extra?: Record<string, string[]> } };
  }>("/apis/authentication.k8s.io/v1/tokenreviews", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: { token },
  });
  assert.equal(review.status.authenticated, true);
  assert.equal(review.status.user?.username, `system:serviceaccount:${NS}:default`);
  assert.deepEqual(review.status.user?.extra?.["authentication.kubernetes.io/pod-name"], ["web"]);
  assert.deepEqual(review.status.user?.extra?.["authentication.kubernetes.io/pod-uid"], [pod.metadata.uid]);

  // a second setUp changes nothing: same ..data target, same token
  await vm.setUp(pod);
  assert.equal(await readlink(join(config, "..data")), target);
  assert.equal(await readFile(join(sa, "token"), "utf8"), token);

  // a bind mount of one file (what a subPath mount is) keeps the content it was made with
  const pinned = join(tmp, "pinned-app.conf");
  await writeFile(pinned, "");
  execFileSync("mount", ["--bind", join(config, "app.conf"), pinned]);

  // update: the watch reports the pod, the next setUp swaps ..data to a new directory
  changed.length = 0;
  await admin.update(`/api/v1/namespaces/${NS}/configmaps/app-config`, {
    metadata: { name: "app-config" },
    data: { "app.conf": "color=green\n" },
  });
  await until("change notification", async () => (changed.includes(pod.metadata.uid!) ? true : undefined));
  // The `picked` item key is gone: that volume fails and keeps its files; the others update.
  await assert.rejects(vm.setUp(pod), /volume "picked": configmap references non-existent config key: extra/);
  assert.equal(await readFile(join(picked, "sub/extra.txt"), "utf8"), "1");
  const newTarget = await readlink(join(config, "..data"));
  assert.notEqual(newTarget, target);
  assert.equal(await readFile(join(config, "app.conf"), "utf8"), "color=green\n");
  assert.deepEqual((await readdir(config)).sort(), ["..data", newTarget, "app.conf"].sort());
  await assert.rejects(lstat(join(config, "extra")), { code: "ENOENT" });
  assert.equal(await readFile(pinned, "utf8"), "color=blue\n", "subPath-style mounts never update");
  execFileSync("umount", [pinned]);

  await vm.tearDown(pod.metadata.uid!);
  assert.equal(mountsUnder(await listMounts(), join(rootDir, "pods", pod.metadata.uid!)).length, 0);
  assert.equal(objects.watchCount, 3, "app-config, kube-root-ca.crt, creds");
  await objects.setPods([]);
  assert.equal(objects.watchCount, 0, "no pod refers to anything any more");
});

test("missing objects: an error naming pod and volume, unless optional; objects created later appear", async () => {
  const pod = await createPod("missing", {
    automountServiceAccountToken: false,
    volumes: [
      { name: "required", configMap: { name: "not-yet" } },
      { name: "maybe", secret: { secretName: "later", optional: true } },
    ],
  });
  objects.registerPod(pod);
  await assert.rejects(vm.setUp(pod), (err: Error) => {
    assert.equal(
      err.message,
      `cannot set up volumes of pod ${NS}/missing: volume "required": configmap "not-yet" not found`,
    );
    return true;
  });
  await admin.create(`/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "not-yet" },
    data: { k: "v" },
  });
  await admin.create(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "later" },
    data: { s: b64("x") },
  });
  await until("both objects seen", async () =>
    (await objects.configMap(pod, "not-yet")) && (await objects.secret(pod, "later")) ? true : undefined,
  );
  const vols = await vm.setUp(pod);
  assert.equal(await readFile(join(vols.get("required")!.hostPath, "k"), "utf8"), "v");
  assert.equal(await readFile(join(vols.get("maybe")!.hostPath, "s"), "utf8"), "x");
  await vm.tearDown(pod.metadata.uid!);
  await objects.unregisterPod(pod.metadata.uid!);
});

test("env from ConfigMaps, Secrets and Services; pull secrets as registry credentials", async () => {
  await admin.create(`/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "env-cm" },
    data: { MODE: "fast" },
  });
  await admin.create(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "regcred" },
    type: "kubernetes.io/dockerconfigjson",
    data: {
      ".dockerconfigjson": b64(JSON.stringify({ auths: { "reg.example.com": { auth: b64("bot:pw") } } })),
    },
  });
  await admin.create(`/api/v1/namespaces/${NS}/services`, {
    metadata: { name: "db" },
    spec: { ports: [{ name: "pg", port: 5432 }] },
  });
  const pod = await createPod("envpod", {
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: "regcred" }],
    containers: [
      {
        name: "app",
        image: "reg.example.com/team/app:v1",
        envFrom: [{ configMapRef: { name: "env-cm" } }],
        env: [
          { name: "NOPE", valueFrom: { secretKeyRef: { name: "absent", key: "k", optional: true } } },
          { name: "MISSING", valueFrom: { configMapKeyRef: { name: "env-cm", key: "nope" } } },
        ],
      },
    ],
  });
  objects.registerPod(pod);
  const c = pod.spec.containers[0]!;
  const env = await until("the db Service in the env", async () => {
    const fetched = await fetchEnvSources(objects, pod, c);
    assert.deepEqual(fetched.errors, []);
    const r = buildEnv(pod, c, { nodeName: NODE, hostIP: "10.0.0.1", ...fetched.context });
    const vars = Object.fromEntries(r.env.map((e) => [e.key, e.value]));
    return vars.DB_SERVICE_HOST ? { vars, errors: r.errors } : undefined;
  });
  assert.equal(env.vars.MODE, "fast");
  assert.equal(env.vars.DB_SERVICE_PORT_PG, "5432");
  assert.ok(env.vars.KUBERNETES_SERVICE_HOST, "the master service from the default namespace");
  assert.equal(env.vars.NOPE, undefined);
  assert.deepEqual(env.errors, [`couldn't find key nope in ConfigMap ${NS}/env-cm`]);

  const creds = await imagePullCredentials(objects, pod, c.image, silentLogger());
  assert.deepEqual(
    creds.map((a) => [a.username, a.password, a.serverAddress]),
    [["bot", "pw", "reg.example.com"]],
  );
  await objects.unregisterPod(pod.metadata.uid!);
});

test("objects the node's pods do not refer to stay forbidden", async () => {
  const stranger: Pod = {
    metadata: { name: "x", namespace: NS, uid: "not-a-pod" },
    spec: { containers: [] },
  };
  await admin.create(`/api/v1/namespaces/${NS}/secrets`, { metadata: { name: "unrelated" }, data: {} });
  const quick = new ApiPodObjects({ client: nodeClient, log: silentLogger(), syncTimeoutMs: 1_500 });
  try {
    await assert.rejects(
      quick.secret(stranger, "unrelated"),
      /cannot read secrets vol\/unrelated: .*forbidden/,
    );
  } finally {
    await quick.stop();
  }
});

test("a token is requested again once past 80 % of its lifetime, not before", async () => {
  // NodeRestriction: the node may ask only for audiences that the pod's volumes name.
  const pod = await createPod("tokens", {
    volumes: [
      { name: "vault", projected: { sources: [{ serviceAccountToken: { audience: "vault", path: "t" } }] } },
    ],
  });
  let now = Date.now();
  const tokens = new TokenManager({
    client: nodeClient,
    log: silentLogger(),
    now: () => now,
    random: () => 0,
  });
  const spec = { serviceAccountName: "default", audience: "", expirationSeconds: 3600 };
  const first = await tokens.token(pod, spec);
  now += 0.7 * 3600_000;
  assert.equal(await tokens.token(pod, spec), first);
  now += 0.15 * 3600_000;
  const second = await tokens.token(pod, spec);
  assert.notEqual(second, first);
  const other = await tokens.token(pod, { ...spec, audience: "vault" });
  assert.notEqual(other, second, "each audience has its own token");
});
