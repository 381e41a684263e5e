// 127.0.0.1:10248/healthz: "ok" only while the sync loop and the runtime are healthy.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../log.ts";

export async function startHealthzServer(
  address: string,
  port: number,
  health: () => { ok: boolean; reason: string },
  log: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/healthz") {
      res.writeHead(404).end("404 page not found\n");
      return;
    }
    writeHealthz(res, health());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  log.info({ address, port }, "healthz listening");
  return server;
}

/** The kubelet's healthz answer: "ok", or what failed (also on the kubelet API's /healthz). */
export function writeHealthz(res: ServerResponse, h: { ok: boolean; reason: string }): void {
  res.writeHead(h.ok ? 200 : 500, { "content-type": "text/plain; charset=utf-8" });
  res.end(h.ok ? "ok" : `[-]syncloop failed: ${h.reason}\nhealthz check failed\n`);
}
