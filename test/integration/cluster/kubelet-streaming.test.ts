// Streaming through the kubelet API (:10250) of `nodelet run --kubeconfig`: `kubectl exec`,
// `kubectl attach` and `kubectl port-forward` go kubectl → kube-apiserver → nodelet, which asks
// containerd (CRI Exec/Attach/PortForward) for a streaming URL and proxies the upgraded connection
// to it. Direct requests show the gate (401/403) and the kubelet's errors; /run answers ExecSync.
//
// Topology: see test/harness/kubelet-api-node.ts (containerd's streaming server listens on 127.0.0.1
// inside the namespace where nodelet runs).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect as tlsConnect } from "node:tls";
import { after, before, test } from "node:test";
import type { ControlPlaneHandle } from "../../harness/control-plane.ts";
import {
  busyboxPod,
  type KubeletApiNode,
  kubeletApiTarget,
  kubeletRequest as kubeletApiRequest,
  serviceAccountToken,
  startKubeletApiNode,
} from "../../harness/kubelet-api-node.ts";
import { until } from "../../harness/until.ts";

let kn: KubeletApiNode;
let cp: ControlPlaneHandle;
let tokens: { nobody: string; admin: string };
const children = new Set<ChildProcess>();

// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON
type Json = any;

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
  return busyboxPod(name, command, { container, spec: { restartPolicy: "Never" } });
}

function kubeletRequest(method: string, path: string, token?: string) {
  return kubeletApiRequest(kn, path, { method, token });
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
    const target = kubeletApiTarget(kn);
    const socket = tlsConnect(target);
    socket.on("error", reject);
    socket.write(
      [
        `GET ${path} HTTP/1.1`,
        `Host: ${target.host}:${target.port}`,
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
  kn = await startKubeletApiNode();
  cp = kn.cp;
  const [nobody, admin] = await Promise.all([
    serviceAccountToken(cp, "nobody"),
    serviceAccountToken(cp, "admin", { clusterRole: "system:kubelet-api-admin" }),
  ]);
  tokens = { nobody, admin };
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
  await kn?.stop();
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
