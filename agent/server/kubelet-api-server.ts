// The kubelet API on :10250 (HTTPS): every request is authenticated and authorized first, then
// served by the same handlers as the control socket, in the kubelet's style.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Logger } from "../log.ts";
import { handleContainerLogs, sendJson, sendText } from "./handlers.ts";
import { writeHealthz } from "./healthz-server.ts";
import type { KubeletApiAuth } from "./kubelet-api-auth.ts";
import { kubeletRoute } from "./kubelet-api-routes.ts";
import { kubeletMetricsText, processSample } from "./kubelet-metrics.ts";
import { type PodSource, podList, runningPodList } from "./pod-reader.ts";

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
  podLogsDir: string;
  health: () => { ok: boolean; reason: string };
  /** Prometheus text of the probe counters. */
  probeMetrics: () => string;
  log: Logger;
}

export async function startKubeletApiServer(o: KubeletApiServerOptions): Promise<Server> {
  const server = createServer(
    {
      cert: o.cert,
      key: o.key,
      minVersion: "TLSv1.2",
      ...(o.clientCA ? { ca: o.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
    },
    (req, res) => {
      serve(o, req, res).catch((err: unknown) => {
        o.log.error({ err, path: req.url }, `kubelet API: ${(err as Error).message}`);
        if (!res.headersSent) sendText(res, 500, (err as Error).message);
        else res.destroy();
      });
    },
  );
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
    case "containerLogs":
      return handleContainerLogs(o.source, o.podLogsDir, req, res, url, "kubelet");
    case "notImplemented":
      return sendText(res, 501, route.message);
    case "methodNotAllowed":
      return sendText(res, 405, `${req.method} is not supported on ${url.pathname}`);
    case "notFound":
      return sendText(res, 404, "404 page not found");
  }
}
