// The local control socket (root only): what `nodelet get pods` and `nodelet logs` talk to.
import { chmod, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { Logger } from "../log.ts";
import { handleContainerLogs, handlePods, sendError, sendJson } from "./handlers.ts";
import type { PodSource } from "./pod-reader.ts";

export interface ControlServerOptions {
  socketPath: string;
  source: PodSource;
  podLogsDir: string;
  health: () => { ok: boolean; reason: string };
  /** Prometheus text of the probe counters (the kubelet's /metrics/probes). */
  probeMetrics: () => string;
  log: Logger;
}

export async function startControlServer(o: ControlServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://nodelet");
    if (req.method !== "GET") return sendError(res, 405, "only GET is supported");
    if (url.pathname === "/pods") return handlePods(o.source, res);
    if (url.pathname.startsWith("/containerLogs/")) {
      void handleContainerLogs(o.source, o.podLogsDir, req, res, url);
      return;
    }
    if (url.pathname === "/metrics/probes") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(o.probeMetrics());
      return;
    }
    if (url.pathname === "/debug/memory") return sendJson(res, 200, process.memoryUsage());
    if (url.pathname === "/healthz") {
      const h = o.health();
      return sendJson(res, h.ok ? 200 : 503, h);
    }
    sendError(res, 404, `no handler for ${url.pathname}`);
  });
  await rm(o.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.socketPath, () => resolve());
  });
  await chmod(o.socketPath, 0o600);
  o.log.info({ socket: o.socketPath }, "control socket listening");
  return server;
}
