// The proxy's HTTP endpoints, on loopback with ephemeral ports.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import { startHealthServer, startMetricsServer } from "../../../proxy/health.ts";
import { HealthCheckServers, healthCheckTargets } from "../../../proxy/healthcheck.ts";
import { ProxyMetrics } from "../../../proxy/metrics.ts";
import { ports, svc } from "./fixtures.ts";

const get = async (port: number, path: string) => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text() };
};

describe("proxy HTTP servers", () => {
  it("serves /healthz (503 before the first sync, 200 after) and /metrics", async () => {
    const source = { lastSuccessAt: null as number | null };
    const health = await startHealthServer("127.0.0.1:0", source, 30_000);
    const metrics = new ProxyMetrics();
    const m = await startMetricsServer("127.0.0.1:0", metrics);
    try {
      const hp = (health.address() as AddressInfo).port;
      assert.equal((await get(hp, "/healthz")).status, 503);
      source.lastSuccessAt = Date.now();
      const ok = await get(hp, "/healthz");
      assert.equal(ok.status, 200);
      assert.match(ok.body, /"lastUpdated"/);
      metrics.syncDuration.observe(0.01);
      const text = (await get((m.address() as AddressInfo).port, "/metrics")).body;
      assert.match(text, /kubeproxy_sync_proxy_rules_duration_seconds_count 1/);
    } finally {
      health.close();
      m.close();
    }
  });

  it("answers healthCheckNodePort probes by the number of local endpoints", async () => {
    const port = 20000 + (process.pid % 10000);
    const s = svc("lb", {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      healthCheckNodePort: port,
      ports: [{ port: 80, nodePort: 30001 }],
    });
    const servers = new HealthCheckServers(silentLogger(), "127.0.0.1");
    try {
      servers.update(
        healthCheckTargets(new Map([["default/lb", ports(s, ["10.1.0.1", { ip: "10.1.0.2", node: "x" }])]])),
      );
      await new Promise((r) => setTimeout(r, 50));
      const ok = await get(port, "/");
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body), {
        service: { namespace: "default", name: "lb" },
        localEndpoints: 1,
      });
      servers.update(
        healthCheckTargets(new Map([["default/lb", ports(s, [{ ip: "10.1.0.2", node: "x" }])]])),
      );
      assert.equal((await get(port, "/")).status, 503);
    } finally {
      servers.close();
    }
  });
});
