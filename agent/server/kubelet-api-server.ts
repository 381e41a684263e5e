// The kubelet API on :10250 (HTTPS): every request is authenticated and authorized first, then
// served by the same handlers as the control socket, in the kubelet's style. Streaming sessions
// (exec, attach, port-forward) arrive as upgrade requests and are proxied to the runtime.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Server, type ServerOptions } from "node:https";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import { handleContainerLogs, sendJson, sendText } from "./handlers.ts";
import { writeHealthz } from "./healthz-server.ts";
import type { KubeletApiAuth } from "./kubelet-api-auth.ts";
import { kubeletRoute } from "./kubelet-api-routes.ts";
import { serveStreaming, serveStreamingUpgrade } from "./kubelet-api-streaming.ts";
import { kubeletMetricsText, processSample } from "./kubelet-metrics.ts";
import type { StreamingRuntime } from "./container-streams.ts";
import { type PodSource, podList, runningPodList } from "./pod-reader.ts";
import { resourceMetricsText } from "./resource-metrics.ts";
import { collectResourceStats, type StatsRuntime } from "./resource-stats.ts";
import { rawErrorResponse } from "./stream-proxy-headers.ts";

export interface KubeletApiServerOptions {
  address: string;
  port: number;
  cert: Buffer;
  key: Buffer;
  /** PEM bundle client certificates are verified against; none = no client certificates asked. */
  clientCA?: Buffer;
  auth: KubeletApiAuth;
  nodeName: string;
  source: PodSource;
  /** Exec, attach, port-forward and /run go to this runtime; /metrics/resource asks it for container stats. */
  runtime: StreamingRuntime & StatsRuntime;
  podLogsDir: string;
  health: () => { ok: boolean; reason: string };
  /** Prometheus text of the probe counters. */
  probeMetrics: () => string;
  log: Logger;
}

/** An upgraded socket leaves the HTTP server's bookkeeping: closing all connections must end streams too. */
class KubeletApiHttpsServer extends Server {
  readonly streams = new Set<Duplex>();

  override closeAllConnections(): void {
    super.closeAllConnections();
    for (const s of this.streams) s.destroy();
  }
}

/** Only sessions switch protocols; any other request with an Upgrade header is served as HTTP (405, 404…). */
const upgradesToStream = (req: IncomingMessage): boolean => {
  if (req.headers.upgrade === undefined) return false;
  const route = kubeletRoute(req.method ?? "GET", new URL(req.url ?? "/", "https://kubelet").pathname);
  return route.kind === "streaming" && route.stream !== "run";
};

export async function startKubeletApiServer(o: KubeletApiServerOptions): Promise<Server> {
  const options: ServerOptions = {
    cert: o.cert,
    key: o.key,
    minVersion: "TLSv1.2",
    ...(o.clientCA ? { ca: o.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
    shouldUpgradeCallback: upgradesToStream,
  };
  const server = new KubeletApiHttpsServer(options, (req, res) => {
    serve(o, req, res).catch((err: unknown) => {
      o.log.error({ err, path: req.url }, `kubelet API: ${(err as Error).message}`);
      if (!res.headersSent) sendText(res, 500, (err as Error).message);
      else res.destroy();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The HTTP server no longer watches this socket: errors and shutdown are ours to handle.
    server.streams.add(socket);
    socket.once("close", () => server.streams.delete(socket));
    socket.on("error", (err) => o.log.debug({ err }, `kubelet API stream: ${err.message}`));
    socket.pause();
    upgrade(o, req, socket, head).catch((err: unknown) => {
      o.log.error({ err, path: req.url }, `kubelet API: ${(err as Error).message}`);
      socket.destroy();
    });
  });
  server.on("tlsClientError", (err) =>
    o.log.debug({ err }, `kubelet API: TLS handshake failed: ${err.message}`),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => o.log.error({ err }, `kubelet API server: ${err.message}`));
  o.log.info(
    { address: o.address, port: o.port, clientCA: o.clientCA !== undefined },
    "kubelet API listening",
  );
  return server;
}

async function upgrade(o: KubeletApiServerOptions, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const url = new URL(req.url ?? "/", "https://kubelet");
  const gate = await o.auth.check(req, url.pathname);
  if (!gate.allowed) {
    socket.end(rawErrorResponse(gate.status, gate.message));
    return;
  }
  o.log.debug(
    { user: gate.user.username, method: req.method, path: url.pathname },
    "kubelet API stream request",
  );
  await serveStreamingUpgrade(o, req, socket, head, url);
}

async function serve(o: KubeletApiServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://kubelet");
  const gate = await o.auth.check(req, url.pathname);
  if (!gate.allowed) return sendText(res, gate.status, gate.message);
  const route = kubeletRoute(req.method ?? "GET", url.pathname);
  o.log.debug(
    { user: gate.user.username, method: req.method, path: url.pathname, route: route.kind },
    "kubelet API request",
  );
  switch (route.kind) {
    case "healthz":
      return writeHealthz(res, o.health());
    case "pods":
      return sendJson(res, 200, podList(o.source));
    case "runningpods":
      return sendJson(res, 200, runningPodList(o.source));
    case "metrics":
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(kubeletMetricsText(o.nodeName, o.source.pods(), processSample()));
      return;
    case "metricsProbes":
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(o.probeMetrics());
      return;
    case "metricsResource": {
      const stats = await collectResourceStats({ source: o.source, runtime: o.runtime, log: o.log });
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(resourceMetricsText(stats));
      return;
    }
    case "containerLogs":
      return handleContainerLogs(o.source, o.podLogsDir, req, res, url, "kubelet");
    case "streaming":
      return serveStreaming(o, req, res, url);
    case "notImplemented":
      return sendText(res, 501, route.message);
    case "methodNotAllowed":
      return sendText(res, 405, `${req.method} is not supported on ${url.pathname}`);
    case "notFound":
      return sendText(res, 404, "404 page not found");
  }
}
