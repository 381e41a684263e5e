// Streaming through the kubelet API (:10250) of `nodelet run --kubeconfig`: `kubectl exec`,
// `kubectl attach` and `kubectl port-forward` go kubectl → kube-apiserver → nodelet, which asks
// containerd (CRI Exec/Attach/PortForward) for a streaming URL and proxies the upgraded connection
// to it. Direct requests show the gate (401/403) and the kubelet's errors; /run answers ExecSync.
//
// Topology as in kubelet-api.test.ts: nodelet in containerd's network namespace (where containerd's
// streaming server listens on 127.0.0.1), the API server on the host reaching it through a forwarder.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exposeApiServer, type NetnsBridge } from "../../harness/api-bridge.ts";
import { until } from "../../harness/until.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { forwardIntoNetns, type NetnsForwarder } from "../../harness/netns-forwarder.ts";
import { type NodeletHandle, startNodelet } from "../../harness/nodelet.ts";

let ctd: ContainerdHandle;
let cp: ControlPlaneHandle;
let bridge: NetnsBridge;
let forwarder: NetnsForwarder;
let node: NodeletHandle;
let tokens: { nobody: string; admin: string };
const children = new Set<ChildProcess>();

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("the host has no non-loopback IPv4 address for the node to report");
}

function startKubectl(args: readonly string[]): ChildProcess {
  const child = spawn(cp.binaries.kubectl, [`--kubeconfig=${cp.adminKubeconfig}`, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl to its end (never synchronously: the bridge and forwarder live in this event loop). */
async function kubectl(args: readonly string[], input?: string, timeoutMs = 20_000): Promise<Finished> {
  const child = startKubectl(args);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  if (input !== undefined) child.stdin?.end(input);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function pod(name: string, command: string, container: Json = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: "test-node",
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      restartPolicy: "Never",
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sh", "-c", command],
          ...container,
        },
      ],
    },
  });
}

/** A request straight to the kubelet API (through the forwarder). */
function kubeletRequest(
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        host: forwarder.host,
        port: forwarder.port,
        path,
        ca: readFileSync(join(node.rootDir, "pki", "kubelet.crt")),
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * A WebSocket exec straight to the kubelet API (channel protocol v4: each binary message starts
 * with its stream number), read to the server's close: what each stream carried.
 */
function websocketExec(
  path: string,
  token: string,
): Promise<{ response: string; streams: Map<number, string> }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: forwarder.host,
      port: forwarder.port,
      ca: readFileSync(join(node.rootDir, "pki", "kubelet.crt")),
    });
    socket.on("error", reject);
    socket.write(
      [
        `GET ${path} HTTP/1.1`,
        `Host: ${forwarder.host}:${forwarder.port}`,
        `Authorization: Bearer ${token}`,
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        `Sec-WebSocket-Key: ${Buffer.from("nodelet-ws-test!").toString("base64")}`,
        "Sec-WebSocket-Protocol: v4.channel.k8s.io",
        "",
        "",
      ].join("\r\n"),
    );
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
    });
    socket.on("close", () => {
      const end = buffered.indexOf("\r\n\r\n");
      const response = buffered.subarray(0, end).toString();
      const streams = new Map<number, string>();
      let at = end + 4;
      // Server frames are unmasked: opcode byte, length (7 bits, or 16/64-bit extended), payload.
      while (end >= 0 && at + 2 <= buffered.length) {
        const opcode = buffered[at]! & 0x0f;
        let length = buffered[at + 1]! & 0x7f;
        at += 2;
        if (length === 126) {
          length = buffered.readUInt16BE(at);
          at += 2;
        } else if (length === 127) {
          length = Number(buffered.readBigUInt64BE(at));
          at += 8;
        }
        const payload = buffered.subarray(at, at + length);
        at += length;
        if (opcode === 2 && payload.length > 0) {
          const stream = payload[0]!;
          streams.set(stream, (streams.get(stream) ?? "") + payload.subarray(1).toString());
        }
      }
      resolve({ response, streams });
    });
  });
}

async function running(name: string): Promise<void> {
  await until(`${name} running`, async () => {
    const p = JSON.parse(await cp.kubectl(["get", "pod", name, "-o", "json"]));
    return p.status.containerStatuses?.[0]?.state.running !== undefined;
  });
}

before(async () => {
  const address = hostAddress();
  const [c, p] = await Promise.allSettled([startContainerd(), startControlPlane()]);
  if (c.status === "fulfilled") ctd = c.value;
  if (p.status === "fulfilled") cp = p.value;
  if (c.status === "rejected") throw c.reason;
  if (p.status === "rejected") throw p.reason;
  bridge = await exposeApiServer(cp, ctd.netns);
  forwarder = await forwardIntoNetns(ctd.netns, { listenHost: address });
  node = await startNodelet(ctd, {
    extraArgs: [
      "--kubeconfig",
      cp.nodeKubeconfig("test-node", { server: bridge.url }),
      "--node-ip",
      address,
      "--port",
      String(forwarder.port),
      "--client-ca-file",
      cp.caFile,
      "--proxy-mode",
      "none",
    ],
    logLevel: "info",
  });
  await cp.kubectl(["create", "serviceaccount", "nobody"]);
  await cp.kubectl(["create", "serviceaccount", "admin"]);
  await cp.kubectl([
    "create",
    "clusterrolebinding",
    "admin-kubelet-api",
    "--clusterrole=system:kubelet-api-admin",
    "--serviceaccount=default:admin",
  ]);
  const [nobody, admin] = await Promise.all([
    cp.kubectl(["create", "token", "nobody"]),
    cp.kubectl(["create", "token", "admin"]),
  ]);
  tokens = { nobody: nobody.trim(), admin: admin.trim() };
  // A shell that also serves HTTP on 8080 inside the pod (for port-forward).
  await cp.kubectl(["create", "-f", "-"], {
    input: pod(
      "shell",
      "mkdir -p /www && echo pod-answer > /www/index.html && httpd -p 8080 -h /www && exec sleep 3600",
    ),
  });
  // Reads its own stdin (attached later); stdinOnce: the attach closing stdin ends it.
  await cp.kubectl(["create", "-f", "-"], {
    input: pod("reader", "while read line; do echo got:$line; done; echo stdin closed", {
      stdin: true,
      stdinOnce: true,
    }),
  });
  await Promise.all([running("shell"), running("reader")]);
});

after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await node?.stop();
  await forwarder?.stop();
  await bridge?.stop();
  await cp?.stop();
  await ctd?.stop();
});

test("kubectl exec: stdout, stderr and the exit code come back separately", async () => {
  const r = await kubectl(["exec", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.equal(r.stdout, "out\n");
  assert.match(r.stderr, /^err\n/);
  assert.equal(r.code, 3, r.stderr);
});

test("kubectl exec -i: stdin reaches the command and its output comes back", async () => {
  const r = await kubectl(["exec", "-i", "shell", "--", "cat"], "hello\nworld\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hello\nworld\n");
});

test("kubectl attach -i: the container reads what is sent and its output comes back", async () => {
  const r = await kubectl(["attach", "-i", "reader"], "one\ntwo\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "got:one\ngot:two\nstdin closed\n");
});

test("kubectl port-forward: a local port reaches the pod's listener", async () => {
  const child = startKubectl(["port-forward", "pod/shell", ":8080"]);
  try {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    const port = await until(
      "port-forward listening",
      async () => out.match(/127\.0\.0\.1:(\d+) -> 8080/)?.[1],
    );
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "pod-answer\n");
    }
  } finally {
    child.kill("SIGKILL");
  }
});

test("direct /exec: 401 without credentials, 403 without rights, the kubelet's errors with them", async () => {
  const exec = "/exec/default/shell/c?command=ls&output=1";
  assert.deepEqual(await kubeletRequest("POST", exec), { status: 401, body: "Unauthorized\n" });
  assert.deepEqual(await kubeletRequest("POST", exec, tokens.nobody), {
    status: 403,
    body: "Forbidden (user=system:serviceaccount:default:nobody, verb=create, resource=nodes, subresource(s)=[proxy])\n",
  });
  assert.deepEqual(await kubeletRequest("POST", "/exec/default/ghost/c?command=ls&output=1", tokens.admin), {
    status: 404,
    body: "pod does not exist\n",
  });
  assert.deepEqual(
    await kubeletRequest("POST", "/exec/default/shell/nope?command=ls&output=1", tokens.admin),
    {
      status: 404,
      body: 'container not found ("nope")\n',
    },
  );
  assert.equal((await kubeletRequest("POST", "/exec/default/shell/c?output=1", tokens.admin)).status, 400);
  // Not an upgrade: relayed to containerd's streaming server, which refuses it.
  assert.equal((await kubeletRequest("POST", exec, tokens.admin)).status, 400);
});

test("direct WebSocket exec (channel protocol v4) is proxied to the runtime", async () => {
  const command = ["sh", "-c", "echo ws-out; echo ws-err >&2; exit 2"].map(
    (c) => `command=${encodeURIComponent(c)}`,
  );
  const { response, streams } = await websocketExec(
    `/exec/default/shell/c?${command.join("&")}&output=1&error=1`,
    tokens.admin,
  );
  assert.match(response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(response, /\r\nSec-WebSocket-Protocol: v4\.channel\.k8s\.io/i);
  assert.equal(streams.get(1), "ws-out\n");
  assert.equal(streams.get(2), "ws-err\n");
  // Stream 3 carries the final status: the exit code, as a Status object.
  const status = JSON.parse(streams.get(3) ?? "{}");
  assert.equal(status.reason, "NonZeroExitCode");
  assert.deepEqual(status.details?.causes, [{ reason: "ExitCode", message: "2" }]);
});

test("/run answers the command's output", async () => {
  assert.deepEqual(
    await kubeletRequest("POST", "/run/default/shell/c?cmd=cat%20/www/index.html", tokens.admin),
    {
      status: 200,
      body: "pod-answer\n",
    },
  );
  const failed = await kubeletRequest("POST", "/run/default/shell/c?cmd=cat%20/missing", tokens.admin);
  assert.equal(failed.status, 500);
  assert.match(failed.body, /^command 'cat \/missing' exited with 1: cat: can't open '\/missing'/);
  assert.equal((await kubeletRequest("GET", "/run/default/shell/c?cmd=ls", tokens.admin)).status, 405);
});
