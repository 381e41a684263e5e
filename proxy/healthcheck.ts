// healthCheckNodePort: for Services with externalTrafficPolicy Local, an HTTP endpoint on the
// Service's healthCheckNodePort that load balancers probe; 200 while this node has a ready local
// endpoint, 503 otherwise (the body says how many), like kube-proxy's service health server.
import { createServer, type Server } from "node:http";
import type { Logger } from "../agent/log.ts";
import { type ServicePortInfo, usableEndpoints } from "./model.ts";

export interface HealthCheckTarget {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/** Port → the Service it reports on, from the model. */
export function healthCheckTargets(
  model: ReadonlyMap<string, ServicePortInfo[]>,
): Map<number, HealthCheckTarget> {
  const out = new Map<number, HealthCheckTarget>();
  for (const [key, ports] of model) {
    for (const sp of ports) {
      if (sp.healthCheckNodePort <= 0 || out.has(sp.healthCheckNodePort)) continue;
      const [namespace = "", name = ""] = key.split("/");
      const local = new Set(usableEndpoints(sp.endpoints.filter((e) => e.local)).map((e) => e.ip));
      out.set(sp.healthCheckNodePort, { namespace, name, localEndpoints: local.size });
    }
  }
  return out;
}

export class HealthCheckServers {
  #servers = new Map<number, Server>();
  #targets = new Map<number, HealthCheckTarget>();
  #log: Logger;
  #host: string;

  constructor(log: Logger, host = "0.0.0.0") {
    this.#log = log;
    this.#host = host;
  }

  /** Opens servers for new ports, closes the ones no longer needed. */
  update(targets: Map<number, HealthCheckTarget>): void {
    this.#targets = targets;
    for (const [port, server] of this.#servers) {
      if (!targets.has(port)) {
        server.close();
        this.#servers.delete(port);
      }
    }
    for (const port of targets.keys()) {
      if (this.#servers.has(port)) continue;
      const server = createServer((_req, res) => {
        const t = this.#targets.get(port);
        const count = t?.localEndpoints ?? 0;
        res.writeHead(count > 0 ? 200 : 503, {
          "content-type": "application/json",
          "x-content-type-options": "nosniff",
        });
        res.end(
          JSON.stringify({ service: { namespace: t?.namespace, name: t?.name }, localEndpoints: count }),
        );
      });
      server.on("error", (err) =>
        this.#log.warn({ err: String(err), port }, "healthCheckNodePort server failed"),
      );
      server.listen(port, this.#host);
      this.#servers.set(port, server);
    }
  }

  close(): void {
    for (const s of this.#servers.values()) s.close();
    this.#servers.clear();
  }
}
