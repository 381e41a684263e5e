// A cluster node whose kubelet API (:10250) a real kube-apiserver reaches, for the tests of that API
// (`kubectl logs`, nodes/proxy, exec/attach/port-forward, direct requests).
//
// Topology: nodelet runs in containerd's network namespace (where containerd's streaming server
// listens on 127.0.0.1) and talks to the API server on the host through a bridge. The node reports
// the host's own address (the API server refuses to proxy to loopback addresses) and a port on which
// a forwarder listens on the host and connects into the namespace, to the same port number there.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { exposeApiServer, type NetnsBridge } from "./api-bridge.ts";
import { type ContainerdHandle, startContainerd } from "./containerd.ts";
import { type ControlPlaneHandle, startControlPlane } from "./control-plane.ts";
import { forwardIntoNetns, type NetnsForwarder } from "./netns-forwarder.ts";
import { type NodeletHandle, startNodelet } from "./nodelet.ts";

export interface KubeletApiNode {
  ctd: ContainerdHandle;
  cp: ControlPlaneHandle;
  bridge: NetnsBridge;
  forwarder: NetnsForwarder;
  node: NodeletHandle;
  /** The host's address: the node's InternalIP, where the forwarder listens. */
  address: string;
  /** Stops the node, forwarder, bridge, control plane and containerd, each even if another fails; idempotent. */
  stop(): Promise<void>;
}

export interface KubeletApiNodeOptions {
  /** More `nodelet run` arguments, after the ones that wire the node to the control plane. */
  extraArgs?: string[];
  /** Default info. */
  logLevel?: string;
}

/** The host's first non-loopback IPv4 address: what the node reports and the forwarder listens on. */
export function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("the host has no non-loopback IPv4 address for the node to report");
}

/** Starts everything; when a part fails to start, stops the parts already started before rejecting. */
export async function startKubeletApiNode(opts: KubeletApiNodeOptions = {}): Promise<KubeletApiNode> {
  const address = hostAddress();
  const parts: Partial<Omit<KubeletApiNode, "address" | "stop">> = {};
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      for (const part of [parts.node, parts.forwarder, parts.bridge, parts.cp, parts.ctd]) {
        await part?.stop().catch((err: unknown) => errors.push(err));
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, "stopping the kubelet API node");
    })();
    return stopping;
  };
  try {
    const [c, p] = await Promise.allSettled([startContainerd(), startControlPlane()]);
    if (c.status === "fulfilled") parts.ctd = c.value;
    if (p.status === "fulfilled") parts.cp = p.value;
    if (c.status === "rejected") throw c.reason;
    if (p.status === "rejected") throw p.reason;
    const ctd = c.value;
    const cp = p.value;
    const bridge = await exposeApiServer(cp, ctd.netns);
    parts.bridge = bridge;
    const forwarder = await forwardIntoNetns(ctd.netns, { listenHost: address });
    parts.forwarder = forwarder;
    const node = await startNodelet(ctd, {
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
        ...(opts.extraArgs ?? []),
      ],
      logLevel: opts.logLevel ?? "info",
    });
    parts.node = node;
    return { ctd, cp, bridge, forwarder, node, address, stop };
  } catch (err) {
    const cleanup = await stop().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (cleanup === undefined) throw err;
    throw new AggregateError([err, cleanup], "the kubelet API node did not start, nor stop cleanly");
  }
}

/**
 * Creates the ServiceAccount `name` in `default` (bound to clusterRole when given) and returns a
 * bearer token for it.
 */
export async function serviceAccountToken(
  cp: ControlPlaneHandle,
  name: string,
  opts: { clusterRole?: string } = {},
): Promise<string> {
  await cp.kubectl(["create", "serviceaccount", name]);
  if (opts.clusterRole) {
    await cp.kubectl([
      "create",
      "clusterrolebinding",
      `${name}-${opts.clusterRole.replace(/^system:/, "")}`,
      `--clusterrole=${opts.clusterRole}`,
      `--serviceaccount=default:${name}`,
    ]);
  }
  return (await cp.kubectl(["create", "token", name])).trim();
}

/** Where to reach the kubelet API from the host, with the CA that verifies its serving certificate. */
export function kubeletApiTarget(n: Pick<KubeletApiNode, "forwarder" | "node">): {
  host: string;
  port: number;
  ca: Buffer;
} {
  return {
    host: n.forwarder.host,
    port: n.forwarder.port,
    ca: readFileSync(join(n.node.rootDir, "pki", "kubelet.crt")),
  };
}

export interface KubeletRequestOptions {
  /** Default GET. */
  method?: string;
  /** A bearer token. */
  token?: string;
  /** A client certificate and its key. */
  cert?: Buffer;
  key?: Buffer;
}

/** A request straight to the kubelet API (through the forwarder), verifying its serving certificate. */
export function kubeletRequest(
  n: Pick<KubeletApiNode, "forwarder" | "node">,
  path: string,
  opts: KubeletRequestOptions = {},
): Promise<{ status: number; body: string }> {
  const method = opts.method ?? "GET";
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...kubeletApiTarget(n),
        method,
        path,
        ...(opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {}),
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
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

// biome-ignore lint/suspicious/noExplicitAny: a Pod manifest's free-form parts
type Json = any;

/**
 * A Pod manifest (JSON) for the harness's node "test-node": one busybox container "c" running
 * `sh -c command`, no ServiceAccount token, no grace period. container/spec: fields added or replaced.
 */
export function busyboxPod(
  name: string,
  command: string,
  more: { container?: Json; spec?: Json } = {},
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: "test-node",
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          imagePullPolicy: "Never",
          command: ["sh", "-c", command],
          ...more.container,
        },
      ],
      ...more.spec,
    },
  });
}
