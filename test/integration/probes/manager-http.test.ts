// ProbeManager on the real clock with real HTTP listeners: readiness follows the endpoint, and a
// hanging endpoint of one container delays no other container's probes.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import { type ProbeEvent, ProbeManager, type ProbeTarget } from "../../../probes/manager.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  const port = await new Promise<number>((r) =>
    server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port)),
  );
  return { server, port };
}

function target(id: string, port: number, path: string): ProbeTarget {
  return {
    podUid: `uid-${id}`,
    podName: id,
    podNamespace: "default",
    container: {
      name: "app",
      image: "busybox",
      ports: [{ name: "http", containerPort: port }],
      readinessProbe: { httpGet: { port: "http", path }, periodSeconds: 1, failureThreshold: 1 },
    },
    containerId: id,
    podIP: "127.0.0.1",
    hostNetwork: false,
    startedAtMs: Date.now(),
  };
}

test("readiness flips with the endpoint while a hanging endpoint stalls only its own worker", async () => {
  let healthy = true;
  const good = await listen((_req, res) => res.writeHead(healthy ? 200 : 500).end());
  let hangOpen = 0;
  const hang = await listen(() => {});
  hang.server.on("connection", (sock) => {
    hangOpen++;
    sock.on("close", () => hangOpen--);
  });
  const events: (ProbeEvent & { at: number })[] = [];
  const mgr = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error("unused")) },
    logger: silentLogger(),
    onChange: (ev) => events.push({ ...ev, at: Date.now() }),
  });
  try {
    const hanging = target("hang", hang.port, "/");
    hanging.container.readinessProbe!.timeoutSeconds = 5; // longer than the period
    mgr.addContainer(hanging);
    mgr.addContainer(target("good", good.port, "/ready"));
    await sleep(1200);
    assert.equal(mgr.isReady("good"), true);
    assert.equal(mgr.isReady("hang"), false);
    healthy = false;
    const t0 = Date.now();
    while (mgr.isReady("good") && Date.now() - t0 < 3000) await sleep(20);
    assert.equal(mgr.isReady("good"), false);
    assert.ok(Date.now() - t0 <= 1800, "noticed within one period (+ scheduling slack)");
    healthy = true;
    while (!mgr.isReady("good") && Date.now() - t0 < 5000) await sleep(20);
    assert.equal(mgr.isReady("good"), true);
    assert.deepEqual(
      events.filter((e) => e.target.containerId === "good").map((e) => e.result),
      ["success", "failure", "success"],
    );
    assert.equal(mgr.stats().inFlight >= 1, true, "the hanging probe is still waiting for its timeout");
    assert.ok(!events.some((e) => e.target.containerId === "hang"));
    // Removing the container cancels its in-flight probe and closes the socket at once.
    assert.equal(hangOpen, 1);
    mgr.removeContainer("hang");
    const t1 = Date.now();
    while (hangOpen > 0 && Date.now() - t1 < 2000) await sleep(10);
    assert.equal(hangOpen, 0);
    assert.ok(Date.now() - t1 < 500);
  } finally {
    mgr.stop();
    for (const s of [good.server, hang.server]) {
      s.closeAllConnections();
      s.close();
    }
  }
});
