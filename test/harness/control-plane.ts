// A real Kubernetes control plane on loopback for cluster-mode tests: etcd (data on tmpfs) and
// kube-apiserver built by test/setup/control-plane.sh, with certificates, service-account keys
// and kubeconfigs generated per instance. No controller-manager or scheduler: tests create Pods
// with spec.nodeName set, and prepareNamespace() does what the controllers would for a namespace.
//
//   const cp = await startControlPlane();
//   try { ... nodelet --kubeconfig cp.nodeKubeconfig("node-a"); await cp.kubectl(["get", "pods"]) ... }
//   finally { await cp.stop(); }
import { execFile, execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeletCacheDir } from "./cache.ts";
import { isAlive, killAndWait, listProcesses, withDescendants } from "./processes.ts";
import { cancelExitCleanup, cleanupAtExit, sweepAbandoned } from "./exit-cleanup.ts";

const SETUP_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), "../setup/control-plane.sh");

export interface ControlPlaneBinaries {
  version: string;
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
}

export interface KubectlOptions {
  /** Default: the admin kubeconfig. */
  kubeconfig?: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
}

export interface ControlPlaneHandle {
  /** https://127.0.0.1:PORT */
  apiServerURL: string;
  /** Kubeconfig of a cluster admin (O=system:masters). */
  adminKubeconfig: string;
  /**
   * Path of a kubeconfig for the node (CN=system:node:NAME, O=system:nodes); made on first use.
   * opts.server: another URL for the same API server (a bridge into a network namespace, a fault
   * proxy), written to a kubeconfig of its own.
   */
  nodeKubeconfig(nodeName: string, opts?: NodeKubeconfigOptions): string;
  /** PEM file of the CA that signed the serving and client certificates. */
  caFile: string;
  etcdURL: string;
  dir: string;
  binaries: ControlPlaneBinaries;
  /** Milliseconds from the call to /readyz answering ok. */
  startupMs: number;
  /** Runs kubectl against this API server (admin unless opts.kubeconfig); rejects on failure. */
  kubectl(args: readonly string[], opts?: KubectlOptions): Promise<string>;
  /**
   * Creates the namespace (if missing) with what kube-controller-manager would add: the
   * `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap (Pods get the
   * kube-api-access projected volume from the ServiceAccount admission plugin).
   */
  prepareNamespace(namespace: string): Promise<void>;
  /** Kills etcd and kube-apiserver and removes dir and the etcd data; idempotent. */
  stop(): Promise<void>;
}

export interface NodeKubeconfigOptions {
  /** https://HOST:PORT the kubeconfig points at (default: apiServerURL). */
  server?: string;
}

export interface StartControlPlaneOptions {
  /** Directory for certificates, kubeconfigs and logs (created; default: a new temp dir). */
  dir?: string;
  /** Keep running after this process exits (the CLI). */
  outliveProcess?: boolean;
  /** Readiness timeout, default 60 s. */
  timeoutMs?: number;
  /** Extra kube-apiserver flags (e.g. "--feature-gates=..."), appended last. */
  extraApiServerArgs?: readonly string[];
}

interface InstanceState {
  dir: string;
  /** etcd's data directory, on tmpfs (fsync is free there). */
  etcdDataDir: string;
  pids: number[];
  ownerPid?: number;
  apiServerURL?: string;
  etcdURL?: string;
}

const DEFAULT_DIR_PREFIX = "nodelet-cp-";
const STATE_FILE = "handle.json";

/** The binaries recorded by test/setup/control-plane.sh in $NODELET_CACHE/control-plane/current.env. */
export function controlPlaneBinaries(env: NodeJS.ProcessEnv = process.env): ControlPlaneBinaries {
  const file = join(nodeletCacheDir(env), "control-plane", "current.env");
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: run test/setup/control-plane.sh (the first run builds kube-apiserver)`,
    );
  }
  const vars = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  const get = (name: string): string => {
    const v = vars.get(name);
    if (!v) throw new Error(`${file} lacks ${name}: run test/setup/control-plane.sh`);
    return v;
  };
  const bins = {
    version: get("KUBE_VERSION"),
    kubeApiserver: get("KUBE_APISERVER"),
    kubectl: get("KUBECTL"),
    etcd: get("ETCD"),
  };
  for (const path of [bins.kubeApiserver, bins.kubectl, bins.etcd]) {
    if (!existsSync(path))
      throw new Error(`${path} (from ${file}) is missing: run test/setup/control-plane.sh`);
  }
  return bins;
}

// --- cleanup (synchronous: also runs in a process 'exit' handler) ---------------------------

function cleanupInstance(state: InstanceState): string[] {
  const problems: string[] = [];
  const pids = withDescendants(
    listProcesses(),
    state.pids.filter((pid) => isAlive(pid)),
  );
  const left = killAndWait(pids);
  if (left.length > 0) problems.push(`processes still alive: ${left.join(", ")}`);
  for (const path of [state.etcdDataDir, state.dir]) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      problems.push(`cannot remove ${path}: ${(err as Error).message}`);
    }
  }
  return problems;
}

function readState(dir: string): InstanceState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as InstanceState;
}

function writeState(state: InstanceState): void {
  writeFileSync(join(state.dir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
}

function stopInstance(state: InstanceState): void {
  cancelExitCleanup(state.dir);
  const problems = cleanupInstance(state);
  if (problems.length > 0) {
    throw new Error(`control plane cleanup of ${state.dir} incomplete:\n${problems.join("\n")}`);
  }
}

/** Stops the instance whose files are in dir (from its handle.json); no-op if there is none. */
export function stopControlPlaneAt(dir: string): void {
  const state = readState(resolve(dir));
  if (state) stopInstance(state);
}

/** Removes default-location instances whose owning process died without cleaning up. */
export function sweepAbandonedControlPlanes(): string[] {
  return sweepAbandoned(DEFAULT_DIR_PREFIX, readState, cleanupInstance);
}

/** Writes a copy of the kubeconfig at `from` whose cluster server is `server`; returns `to`. */
export function kubeconfigWithServer(from: string, server: string, to: string): string {
  const text = readFileSync(from, "utf8");
  const serverLine = /^(\s*server:\s*).*$/m;
  if (!serverLine.test(text)) throw new Error(`${from} has no cluster server line to rewrite`);
  writeFileSync(to, text.replace(serverLine, `$1${server}`), { mode: 0o600 });
  return to;
}

// --- start ------------------------------------------------------------------------------------

/** A loopback port nobody listens on right now (the OS picks it; a small race is accepted). */
function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      server.close(() => {
        if (addr && typeof addr === "object") resolvePromise(addr.port);
        else reject(new Error("no port"));
      });
    });
  });
}

function logTail(path: string, lines = 25): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function runFile(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(" ")} failed: ${stderr.trim() || err.message}`));
        else resolvePromise(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

interface Spawned {
  pid: number;
  exited: () => string | undefined;
}

function spawnLogged(file: string, args: readonly string[], logPath: string): Spawned {
  const logFd = openSync(logPath, "a");
  const child = spawn(file, args, { detached: true, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  let exitInfo: string | undefined;
  child.once("exit", (code, signal) => {
    exitInfo = signal ? `signal ${signal}` : `code ${code}`;
  });
  child.once("error", (err) => {
    exitInfo = err.message;
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${file}`);
  child.unref();
  return { pid: child.pid, exited: () => exitInfo };
}

interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** GET path over TLS with a client certificate; resolves with status and body (never rejects on HTTP status). */
function httpsGet(url: string, tls: TlsFiles, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { ...tls, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  exited: () => string | undefined,
  deadline: number,
): Promise<void> {
  for (;;) {
    const exit = exited();
    if (exit !== undefined) throw new Error(`${what}: process exited (${exit})`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    "--name=nodelet-test",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=nodelet-test=${peer}`,
    "--initial-cluster-state=new",
    "--logger=zap",
    "--log-level=warn",
  ];
}

function apiServerArgs(dir: string, port: number, etcdURL: string): string[] {
  const f = (name: string): string => join(dir, name);
  return [
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--advertise-address=127.0.0.1",
    // The `kubernetes` Service's Endpoints may not hold a loopback address: do not maintain them.
    "--endpoint-reconciler-type=none",
    `--etcd-servers=${etcdURL}`,
    `--cert-dir=${f("apiserver-certs")}`,
    `--tls-cert-file=${f("apiserver.crt")}`,
    `--tls-private-key-file=${f("apiserver.key")}`,
    `--client-ca-file=${f("ca.crt")}`,
    "--service-cluster-ip-range=10.96.0.0/12",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${f("sa.pub")}`,
    `--service-account-signing-key-file=${f("sa.key")}`,
    "--authorization-mode=Node,RBAC",
    // How it reaches kubelets (logs, nodes/proxy): as kubeadm sets it up. The node's address, not
    // its name (test nodes' names resolve nowhere); the serving certificate is not verified.
    `--kubelet-client-certificate=${f("apiserver-kubelet-client.crt")}`,
    `--kubelet-client-key=${f("apiserver-kubelet-client.key")}`,
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    // On top of the default set (NamespaceLifecycle, ServiceAccount, DefaultStorageClass, ...).
    "--enable-admission-plugins=NodeRestriction",
    "--allow-privileged=true",
    "--profiling=false",
    "--v=1",
  ];
}

export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlaneHandle> {
  const started = performance.now();
  const binaries = controlPlaneBinaries();
  sweepAbandonedControlPlanes();

  let dir: string;
  if (opts.dir) {
    dir = resolve(opts.dir);
    stopControlPlaneAt(dir);
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), DEFAULT_DIR_PREFIX));
  }
  const state: InstanceState = {
    dir,
    etcdDataDir: mkdtempSync(join("/dev/shm", "nodelet-cp-etcd-")),
    pids: [],
  };
  if (!opts.outliveProcess) {
    state.ownerPid = process.pid;
    cleanupAtExit(dir, () => cleanupInstance(state));
  }
  writeState(state);

  const etcdLog = join(dir, "etcd.log");
  const apiLog = join(dir, "kube-apiserver.log");
  try {
    const { etcdClientPort, etcdPeerPort, apiPort } = await choosePorts();
    const etcdURL = `http://127.0.0.1:${etcdClientPort}`;
    const apiServerURL = `https://127.0.0.1:${apiPort}`;
    state.etcdURL = etcdURL;
    state.apiServerURL = apiServerURL;

    const etcd = spawnLogged(
      binaries.etcd,
      etcdArgs(state.etcdDataDir, etcdClientPort, etcdPeerPort),
      etcdLog,
    );
    state.pids.push(etcd.pid);
    writeState(state);

    // Certificates while etcd starts.
    await runFile("bash", [SETUP_SCRIPT, "certs", dir, apiServerURL]);

    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    await waitFor("etcd", async () => (await fetch(`${etcdURL}/health`)).ok, etcd.exited, deadline);

    const api = spawnLogged(
      binaries.kubeApiserver,
      [...apiServerArgs(dir, apiPort, etcdURL), ...(opts.extraApiServerArgs ?? [])],
      apiLog,
    );
    state.pids.push(api.pid);
    writeState(state);

    const tls: TlsFiles = {
      ca: readFileSync(join(dir, "ca.crt")),
      cert: readFileSync(join(dir, "admin.crt")),
      key: readFileSync(join(dir, "admin.key")),
    };
    await waitFor(
      "kube-apiserver /readyz",
      async () => (await httpsGet(`${apiServerURL}/readyz`, tls, 2000)).status === 200,
      () => api.exited() ?? (etcd.exited() === undefined ? undefined : `etcd exited: ${etcd.exited()}`),
      deadline,
    );

    const adminKubeconfig = join(dir, "admin.kubeconfig");
    const kubectl = (args: readonly string[], kopts: KubectlOptions = {}): Promise<string> =>
      runFile(
        binaries.kubectl,
        [`--kubeconfig=${kopts.kubeconfig ?? adminKubeconfig}`, ...args],
        kopts.input,
      );
    const handle: ControlPlaneHandle = {
      apiServerURL,
      adminKubeconfig,
      nodeKubeconfig: (nodeName, kopts = {}) => {
        const path = join(dir, `node-${nodeName}.kubeconfig`);
        if (!existsSync(path)) {
          execFileSync("bash", [SETUP_SCRIPT, "node-cert", dir, nodeName, apiServerURL], {
            stdio: ["ignore", "ignore", "pipe"],
          });
        }
        if (kopts.server === undefined || kopts.server === apiServerURL) return path;
        const port = new URL(kopts.server).port;
        return kubeconfigWithServer(path, kopts.server, join(dir, `node-${nodeName}-${port}.kubeconfig`));
      },
      caFile: join(dir, "ca.crt"),
      etcdURL,
      dir,
      binaries,
      startupMs: 0,
      kubectl,
      prepareNamespace: (namespace) => prepareNamespace(kubectl, namespace, tls.ca.toString("utf8")),
      stop: async () => stopInstance(state),
    };
    await handle.prepareNamespace("default");
    handle.startupMs = Math.round(performance.now() - started);
    return handle;
  } catch (err) {
    const tails = `--- etcd log (tail) ---\n${logTail(etcdLog)}\n--- kube-apiserver log (tail) ---\n${logTail(apiLog)}`;
    cancelExitCleanup(dir);
    const problems = cleanupInstance(state);
    const cleanupNote = problems.length > 0 ? `\ncleanup problems:\n${problems.join("\n")}` : "";
    throw new Error(
      `starting the control plane in ${dir} failed: ${(err as Error).message}\n${tails}${cleanupNote}`,
      {
        cause: err,
      },
    );
  }
}

async function choosePorts(): Promise<{ etcdClientPort: number; etcdPeerPort: number; apiPort: number }> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [etcdClientPort = 0, etcdPeerPort = 0, apiPort = 0] = [...ports];
  return { etcdClientPort, etcdPeerPort, apiPort };
}

async function prepareNamespace(
  kubectl: (args: readonly string[], opts?: KubectlOptions) => Promise<string>,
  namespace: string,
  caPem: string,
): Promise<void> {
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kube-root-ca.crt", namespace },
      data: { "ca.crt": caPem },
    },
  ];
  const list = { apiVersion: "v1", kind: "List", items: objects };
  await kubectl(["apply", "--server-side", "-f", "-"], { input: JSON.stringify(list) });
}
