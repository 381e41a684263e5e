// A fault-injecting HTTPS proxy in front of the real kube-apiserver, for tests of how nodelet
// copes with watch cuts, expired resource versions and API outages. It is not an API server: each
// request goes to the real one, sent with a fixed client identity (the node's certificate), and the
// answer comes back unchanged unless a fault is armed. It serves with the API server's own
// certificate (signed by the test CA, SAN 127.0.0.1), so the node's kubeconfig works with only the
// server URL changed. HTTP/1.1 only; upgrade requests (exec, attach, port-forward) are refused.
//
//   const proxy = await startApiFaultProxy(cp, { nodeName: "test-node" });
//   const inNs = await proxy.exposeIn(ctd.netns);   // reachable from nodelet's namespace
//   kubeconfig = cp.nodeKubeconfig("test-node", { server: inNs.url });
//   proxy.cutWatches(); proxy.goneOnNextWatches(1); proxy.setDown(true); proxy.requests ...
//   await proxy.stop();
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Agent, type Server as HttpsServer, createServer as createHttpsServer, request } from "node:https";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type BridgeOptions, bridgeIntoNetns, type NetnsBridge } from "./api-bridge.ts";
import { listeningPort } from "./netns-listener.ts";

export interface ApiRequestRecord {
  method: string;
  /** Path and query as the client sent them, e.g. "/api/v1/pods?watch=true&resourceVersion=42". */
  path: string;
  watch: boolean;
  /** Status sent to the client; undefined until the answer's headers went out. */
  status?: number;
  /**
   * pending: waiting for the upstream answer · streaming: a watch whose answer is flowing ·
   * done: answered completely · cut: ended by cutWatches · gone: answered by goneOnNextWatches ·
   * failed: the client left, the proxy went down, or the upstream request failed.
   */
  outcome: "pending" | "streaming" | "done" | "cut" | "gone" | "failed";
  error?: string;
  /** Milliseconds since the proxy started, when the request arrived. */
  at: number;
}

export type RequestMatcher = (record: ApiRequestRecord) => boolean;

export interface CutWatchesOptions {
  /**
   * reset (default): the connection is destroyed mid-stream, as when the network or the server
   * dies. end: the response ends cleanly (final chunk), as when the API server closes a watch
   * at its timeout.
   */
  how?: "reset" | "end";
  match?: RequestMatcher;
}

export interface ApiFaultProxy {
  /** https://127.0.0.1:PORT in the host namespace. */
  url: string;
  /** The proxy, reachable inside `netns` (on the same port when it is free there). */
  exposeIn(netns: string, opts?: BridgeOptions): Promise<NetnsBridge>;
  /** Every request so far, oldest first (records are updated as answers progress). */
  readonly requests: readonly ApiRequestRecord[];
  /** Resolves with the first record (from index `from`, default 0) that pred accepts; polls. */
  waitForRequest(
    pred: RequestMatcher,
    opts?: { from?: number; timeoutMs?: number },
  ): Promise<ApiRequestRecord>;
  /** Watches in flight (waiting for or streaming their answer). */
  activeWatches(): number;
  /** Ends the watches in flight (those `match` accepts); returns how many. */
  cutWatches(opts?: CutWatchesOptions): number;
  /**
   * The next n watch requests (that `match` accepts) get what the API server sends for a
   * resourceVersion older than it keeps: HTTP 200, one ERROR event with a 410 Expired Status,
   * end of stream. They do not reach the API server.
   */
  goneOnNextWatches(n: number, match?: RequestMatcher): void;
  /**
   * true: an outage — open connections are destroyed, new ones are reset at once (the client sees
   * ECONNRESET). false: back to forwarding.
   */
  setDown(down: boolean): void;
  /** Delay before each request is forwarded (or answered by a fault); 0 = none. */
  setDelay(ms: number): void;
  stop(): Promise<void>;
}

export interface StartApiFaultProxyOptions {
  /** Forward as system:node:NAME (the certificate is made with cp.nodeKubeconfig(NAME)). */
  nodeName?: string;
  /** Or forward with this client certificate and key (PEM files signed by cp's CA). */
  clientCertFile?: string;
  clientKeyFile?: string;
  delayMs?: number;
}

export interface ControlPlaneForProxy {
  apiServerURL: string;
  dir: string;
  caFile: string;
  nodeKubeconfig(nodeName: string): string;
}

/** The watch event kube-apiserver sends for a too-old resourceVersion (its watch cache's wording). */
export function expiredWatchEvent(resourceVersion: string): object {
  const rv = Number(resourceVersion);
  const oldest = Number.isSafeInteger(rv) ? String(rv + 1) : resourceVersion;
  return {
    type: "ERROR",
    object: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `too old resource version: ${resourceVersion} (${oldest})`,
      reason: "Expired",
      code: 410,
    },
  };
}

/** `?watch=1|true`, or the legacy `/api/v1/watch/...`, `/apis/GROUP/VERSION/watch/...` paths. */
export function isWatchRequest(path: string): boolean {
  const url = new URL(path, "https://proxy.invalid");
  const watch = url.searchParams.get("watch");
  if (watch === "1" || watch === "true") return true;
  return /^\/(api\/[^/]+|apis\/[^/]+\/[^/]+)\/watch\//.test(url.pathname);
}

// Per-connection headers (RFC 9110 §7.6.1) that a proxy must not forward.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

interface Flow {
  record: ApiRequestRecord;
  req: IncomingMessage;
  res: ServerResponse;
  /** Destroys the upstream request unless its answer is complete; its errors are then ignored. */
  abortUpstream: () => void;
  /** Stops copying the upstream answer into res. */
  detachUpstream: () => void;
}

function identityFiles(
  cp: ControlPlaneForProxy,
  opts: StartApiFaultProxyOptions,
): { cert: Buffer; key: Buffer } {
  if (opts.nodeName !== undefined) {
    cp.nodeKubeconfig(opts.nodeName);
    return {
      cert: readFileSync(join(cp.dir, `node-${opts.nodeName}.crt`)),
      key: readFileSync(join(cp.dir, `node-${opts.nodeName}.key`)),
    };
  }
  if (opts.clientCertFile !== undefined && opts.clientKeyFile !== undefined) {
    return { cert: readFileSync(opts.clientCertFile), key: readFileSync(opts.clientKeyFile) };
  }
  throw new Error("startApiFaultProxy: give nodeName, or clientCertFile and clientKeyFile");
}

export async function startApiFaultProxy(
  cp: ControlPlaneForProxy,
  opts: StartApiFaultProxyOptions,
): Promise<ApiFaultProxy> {
  const t0 = performance.now();
  const upstream = new URL(cp.apiServerURL);
  const agent = new Agent({ keepAlive: true, ca: readFileSync(cp.caFile), ...identityFiles(cp, opts) });
  const records: ApiRequestRecord[] = [];
  const flows = new Set<Flow>();
  const sockets = new Set<Socket>();
  const bridges: NetnsBridge[] = [];
  let down = false;
  let delayMs = opts.delayMs ?? 0;
  const goneQueue: (RequestMatcher | undefined)[] = [];

  const forward = (flow: Flow): void => {
    const { record, req, res } = flow;
    let upstreamDone = false;
    const upstreamReq = request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...endToEnd(req.headers), host: upstream.host },
      agent,
    });
    let aborted = false;
    flow.abortUpstream = () => {
      aborted = true;
      if (!upstreamDone) upstreamReq.destroy();
    };
    req.pipe(upstreamReq);
    upstreamReq.on("response", (up) => {
      flow.detachUpstream = () => up.unpipe(res);
      record.status = up.statusCode ?? 502;
      if (record.watch) record.outcome = "streaming";
      res.writeHead(record.status, up.statusMessage, endToEnd(up.headers));
      // Watch answers start with headers alone; the client must see them before any event.
      res.flushHeaders();
      up.on("end", () => {
        upstreamDone = true;
      });
      up.on("error", () => {});
      up.pipe(res);
    });
    upstreamReq.on("error", (err) => {
      upstreamDone = true;
      if (aborted) return;
      if (record.outcome === "pending" || record.outcome === "streaming") {
        record.outcome = "failed";
        record.error = err.message;
      }
      // The API server unreachable or gone mid-answer looks the same to the client.
      req.socket.destroy();
    });
  };

  const answerGone = (flow: Flow): void => {
    const { record, res } = flow;
    const rv = new URL(record.path, "https://proxy.invalid").searchParams.get("resourceVersion") ?? "0";
    record.status = 200;
    record.outcome = "gone";
    res.writeHead(200, {
      "audit-id": randomUUID(),
      "cache-control": "no-cache, private",
      "content-type": "application/json",
    });
    res.flushHeaders(); // chunked, like the API server's watch answers
    res.end(JSON.stringify(expiredWatchEvent(rv)) + "\n");
  };

  const takeGone = (record: ApiRequestRecord): boolean => {
    const i = goneQueue.findIndex((match) => match === undefined || match(record));
    if (i < 0) return false;
    goneQueue.splice(i, 1);
    return true;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? "/";
    const record: ApiRequestRecord = {
      method: req.method ?? "GET",
      path,
      watch: isWatchRequest(path),
      outcome: "pending",
      at: Math.round(performance.now() - t0),
    };
    records.push(record);
    const flow: Flow = { record, req, res, abortUpstream: () => {}, detachUpstream: () => {} };
    flows.add(flow);
    res.on("finish", () => {
      if (record.outcome === "pending" || record.outcome === "streaming") record.outcome = "done";
    });
    res.on("close", () => {
      flows.delete(flow);
      flow.abortUpstream();
      if (record.outcome === "pending" || record.outcome === "streaming") {
        record.outcome = "failed";
        record.error ??= "connection closed before the answer was complete";
      }
    });
    if (delayMs > 0) await sleep(delayMs);
    if (res.destroyed || !flows.has(flow)) return;
    if (down) {
      req.socket.destroy();
      return;
    }
    if (record.watch && takeGone(record)) answerGone(flow);
    else forward(flow);
  };

  const tlsServer: HttpsServer = createHttpsServer(
    {
      cert: readFileSync(join(cp.dir, "apiserver.crt")),
      key: readFileSync(join(cp.dir, "apiserver.key")),
      // Watches and long requests: no server-side limits beyond the API server's own.
      requestTimeout: 0,
    },
    (req, res) => void onRequest(req, res),
  );
  tlsServer.on("upgrade", (_req: IncomingMessage, socket: Socket) => socket.destroy());
  tlsServer.on("tlsClientError", () => {});

  // Every listener hands its raw TCP connections to the TLS server through here.
  const accept = (socket: Socket): void => {
    if (down) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    tlsServer.emit("connection", socket);
  };

  const hostServer: Server = createNetServer(accept);
  await new Promise<void>((resolve, reject) => {
    hostServer.once("error", reject);
    hostServer.listen(0, "127.0.0.1", () => resolve());
  });
  const port = listeningPort(hostServer);

  const waitForRequest = async (
    pred: RequestMatcher,
    wopts: { from?: number; timeoutMs?: number } = {},
  ): Promise<ApiRequestRecord> => {
    const deadline = Date.now() + (wopts.timeoutMs ?? 10_000);
    for (;;) {
      const found = records.slice(wopts.from ?? 0).find(pred);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = records.map((r) => `${r.method} ${r.path} ${r.status ?? "-"} ${r.outcome}`).join("\n");
        throw new Error(`no matching request through the proxy in time; seen:\n${seen}`);
      }
      await sleep(20);
    }
  };

  let stopped: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    exposeIn: async (netns, bopts = {}) => {
      const bridge = await bridgeIntoNetns(netns, bopts.port ?? port, accept);
      bridges.push(bridge);
      return bridge;
    },
    requests: records,
    waitForRequest,
    activeWatches: () => [...flows].filter((f) => f.record.watch).length,
    cutWatches: (copts = {}) => {
      let n = 0;
      for (const flow of [...flows]) {
        const { record, req, res } = flow;
        if (!record.watch || (copts.match && !copts.match(record))) continue;
        record.outcome = "cut";
        flows.delete(flow);
        if ((copts.how ?? "reset") === "end" && res.headersSent) {
          // Stop upstream data first so nothing is written after the final chunk.
          flow.detachUpstream();
          flow.abortUpstream();
          res.end();
        } else {
          flow.abortUpstream();
          req.socket.destroy();
        }
        n++;
      }
      return n;
    },
    goneOnNextWatches: (n, match) => {
      for (let i = 0; i < n; i++) goneQueue.push(match);
    },
    setDown: (value) => {
      down = value;
      if (!down) return;
      for (const flow of flows) {
        flow.record.error = "the proxy went down";
        flow.abortUpstream();
      }
      for (const socket of sockets) socket.destroy();
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    stop: () => {
      stopped ??= (async () => {
        down = true;
        for (const flow of flows) flow.abortUpstream();
        for (const socket of sockets) socket.destroy();
        await Promise.all(bridges.map((b) => b.stop()));
        await new Promise<void>((resolve) => hostServer.close(() => resolve()));
        tlsServer.close();
        agent.destroy();
      })();
      return stopped;
    },
  };
}
