// The proxy's HTTP endpoints: `/healthz` (healthy only while rules were synced recently) on the
// health address, and `/metrics` on the metrics address.
import { createServer, type Server } from "node:http";
import type { ProxyMetrics } from "./metrics.ts";

export interface HealthSource {
  lastSuccessAt: number | null;
}

/** Healthy when the last successful sync is younger than twice the full-resync period. */
export function isHealthy(lastSuccessAt: number | null, syncPeriodMs: number, now: number): boolean {
  return lastSuccessAt !== null && now - lastSuccessAt <= 2 * syncPeriodMs;
}

export function splitHostPort(bind: string, defaultPort: number): { host: string; port: number } {
  const i = bind.lastIndexOf(":");
  if (i < 0) return { host: bind || "0.0.0.0", port: defaultPort };
  return { host: bind.slice(0, i) || "0.0.0.0", port: Number(bind.slice(i + 1)) };
}

function listen(server: Server, bind: string, defaultPort: number): Promise<Server> {
  const { host, port } = splitHostPort(bind, defaultPort);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function startHealthServer(bind: string, source: HealthSource, syncPeriodMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/healthz" && req.url !== "/livez") {
      res.writeHead(404).end();
      return;
    }
    const now = Date.now();
    const ok = isHealthy(source.lastSuccessAt, syncPeriodMs, now);
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        lastUpdated: source.lastSuccessAt ? new Date(source.lastSuccessAt).toISOString() : "",
        currentTime: new Date(now).toISOString(),
      }),
    );
  });
  return listen(server, bind, 10256);
}

export function startMetricsServer(bind: string, metrics: ProxyMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics.render());
  });
  return listen(server, bind, 10249);
}
