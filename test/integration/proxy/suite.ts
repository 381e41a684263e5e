// The real-connection proxy suite, run once per kernel backend (nftables, iptables): a node
// namespace runs the rules, a client and three backends connect through it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EndpointSlice } from "../../../agent/api/endpointslice.ts";
import type { Pod } from "../../../agent/api/pod.ts";
import type { Service } from "../../../agent/api/service.ts";
import { createLogger, silentLogger } from "../../../agent/log.ts";
import type { ProxyMode } from "../../../proxy/backend.ts";
import { deriveEndpointSlices } from "../../../proxy/endpoints.ts";
import { cleanupProxy, type ProxyHandle, startProxy } from "../../../proxy/start.ts";
import { StandaloneServiceSource } from "../../../proxy/standalone.ts";
import { BACKENDS, backendIP, CLIENT_NODE_IP, countByBackend, Topology } from "./netns.ts";

const NODE = "node-a";

function svc(
  name: string,
  ip: string,
  extra: Partial<Service["spec"]> = {},
  port = 80,
  protocol = "TCP",
): Service {
  return {
    metadata: { name, namespace: "default" },
    spec: {
      clusterIP: ip,
      selector: { app: name },
      ports: [{ port, targetPort: 8080, protocol: protocol as "TCP" }],
      ...extra,
    },
  };
}

function slice(service: string, ips: string[], protocol = "TCP"): EndpointSlice {
  return {
    metadata: {
      name: `${service}-x`,
      namespace: "default",
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: NODE })),
    ports: [{ name: "", port: 8080, protocol: protocol as "TCP" }],
  };
}

function pod(name: string, app: string, ip: string): Pod {
  return {
    metadata: { name, namespace: "default", labels: { app } },
    spec: { containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: 8080 }] }] },
    status: { podIP: ip, phase: "Running" },
  };
}

export function proxySuite(mode: ProxyMode, tag: string, extra: { iptablesFlavour?: "nft" | "legacy" } = {}) {
  describe(`service proxy (${mode}) with real connections`, () => {
    const topo = new Topology(tag);
    let proxy: ProxyHandle | null = null;
    const start = async () => {
      proxy = await startProxy({
        mode,
        nodeName: NODE,
        nodeIPs: [CLIENT_NODE_IP],
        serviceCIDR: "10.96.0.0/12",
        minSyncPeriodMs: 20,
        syncPeriodMs: 30_000,
        healthzBind: "",
        metricsBind: "",
        logger: process.env.NODELET_TEST_LOG ? createLogger("warn") : silentLogger(),
        netns: topo.ns("node"),
        ...extra,
      });
      return proxy;
    };
    const settle = () =>
      Promise.race([
        proxy!.syncer.whenSynced(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("proxy did not sync within 10 s")), 10_000).unref(),
        ),
      ]);

    before(async () => {
      await topo.create();
      const p = await start();
      const web = svc("web", "10.96.0.10", {
        type: "NodePort",
        externalIPs: ["192.168.200.10"],
        ports: [{ port: 80, targetPort: "http", nodePort: 30080 }],
      });
      p.state.upsertService(web);
      const pods = BACKENDS.map((i) => ({
        pod: pod(`web-${i}`, "web", backendIP(i)),
        ready: true,
        nodeName: NODE,
      }));
      for (const s of deriveEndpointSlices(web, pods, NODE)) p.state.upsertEndpointSlice(s);
      p.state.upsertService(svc("sticky", "10.96.0.11", { sessionAffinity: "ClientIP" }));
      p.state.upsertEndpointSlice(slice("sticky", BACKENDS.map(backendIP)));
      p.state.upsertService(
        svc("empty", "10.96.0.12", { type: "NodePort", ports: [{ port: 80, nodePort: 30012 }] }),
      );
      p.state.upsertService(svc("hairpin", "10.96.0.13"));
      p.state.upsertEndpointSlice(slice("hairpin", [backendIP(1)]));
      p.state.upsertService(svc("dns", "10.96.0.14", {}, 53, "UDP"));
      p.state.upsertEndpointSlice(slice("dns", [backendIP(1)], "UDP"));
      p.state.markSynced("services");
      p.state.markSynced("endpointslices");
      await settle();
    });

    after(async () => {
      try {
        await proxy?.stop();
        await cleanupProxy(silentLogger(), topo.ns("node")).catch(() => {});
      } finally {
        topo.destroy();
      }
    });

    it("spreads ClusterIP connections over all three backends", async () => {
      const answers = await topo.client("client", "tcp", "10.96.0.10", 80, 60);
      const counts = countByBackend(answers);
      assert.deepEqual(Object.keys(counts).sort(), ["b1", "b2", "b3"], JSON.stringify(answers));
      for (const b of ["b1", "b2", "b3"]) assert.ok(counts[b]! >= 6, JSON.stringify(counts));
      // Not masqueraded: the backend sees the client's own address.
      assert.ok(
        answers.every((a) => a.endsWith(" 192.168.100.2")),
        answers[0],
      );
    });

    it("pins a client with ClientIP affinity", async () => {
      const counts = countByBackend(await topo.client("client", "tcp", "10.96.0.11", 80, 20));
      assert.equal(Object.keys(counts).length, 1, JSON.stringify(counts));
      // The pinned backend leaves: the client is re-pinned to one of the others.
      const pinned = Number(Object.keys(counts)[0]!.slice(1));
      proxy!.state.upsertEndpointSlice(slice("sticky", BACKENDS.filter((i) => i !== pinned).map(backendIP)));
      await settle();
      const after = countByBackend(await topo.client("client", "tcp", "10.96.0.11", 80, 20));
      assert.equal(Object.keys(after).length, 1, JSON.stringify(after));
      assert.notEqual(Object.keys(after)[0], `b${pinned}`);
    });

    it("rejects a Service without endpoints quickly", async () => {
      const t0 = Date.now();
      const [answer] = await topo.client("client", "tcp", "10.96.0.12", 80, 1);
      assert.match(answer!, /^(ECONNREFUSED|ECONNRESET)/);
      const [np] = await topo.client("client", "tcp", CLIENT_NODE_IP, 30012, 1);
      assert.match(np!, /^(ECONNREFUSED|ECONNRESET)/);
      assert.ok(Date.now() - t0 < 2000);
    });

    it("serves NodePort and externalIP traffic (masqueraded)", async () => {
      const np = await topo.client("client", "tcp", CLIENT_NODE_IP, 30080, 12);
      assert.ok(
        np.every((a) => /^b[123] 10\.244\.\d\.1$/.test(a)),
        JSON.stringify(np),
      );
      const ext = await topo.client("client", "tcp", "192.168.200.10", 80, 12);
      assert.ok(
        ext.every((a) => /^b[123] /.test(a)),
        JSON.stringify(ext),
      );
    });

    it("serves a LoadBalancer ingress IP with externalTrafficPolicy Local: local endpoints only, client IP kept", async () => {
      const lb = svc("lb", "10.96.0.15", {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, targetPort: 8080, nodePort: 30015 }],
      });
      proxy!.state.upsertService({
        ...lb,
        status: { loadBalancer: { ingress: [{ ip: "192.168.200.20" }] } },
      });
      proxy!.state.upsertEndpointSlice({
        ...slice("lb", [backendIP(1), backendIP(2)]),
        endpoints: [
          { addresses: [backendIP(1)], conditions: { ready: true }, nodeName: NODE },
          { addresses: [backendIP(2)], conditions: { ready: true }, nodeName: "another-node" },
        ],
      });
      await settle();
      for (const [host, port] of [
        ["192.168.200.20", 80],
        [CLIENT_NODE_IP, 30015],
      ] as const) {
        const answers = await topo.client("client", "tcp", host, port, 10);
        assert.deepEqual(
          new Set(answers),
          new Set(["b1 192.168.100.2"]),
          `${host}:${port} ${JSON.stringify(answers)}`,
        );
      }
      // The cluster IP still spreads over all endpoints (internalTrafficPolicy Cluster).
      const counts = countByBackend(await topo.client("client", "tcp", "10.96.0.15", 80, 30));
      assert.deepEqual(Object.keys(counts).sort(), ["b1", "b2"]);
    });

    it("lets a backend reach itself through its Service (hairpin)", async () => {
      const answers = await topo.client("b1", "tcp", "10.96.0.13", 80, 3);
      assert.deepEqual(answers, ["b1 10.244.1.1", "b1 10.244.1.1", "b1 10.244.1.1"]);
    });

    it("clears stale UDP conntrack entries when an endpoint goes away", async () => {
      const [first] = await topo.client("client", "udp", "10.96.0.14", 53, 1, 40000);
      assert.match(first!, /^b1 /);
      proxy!.state.upsertEndpointSlice(slice("dns", [backendIP(2)], "UDP"));
      await settle();
      const [second] = await topo.client("client", "udp", "10.96.0.14", 53, 1, 40000);
      assert.match(second!, /^b2 /);
    });

    it("sends no new connections to a removed backend", async () => {
      proxy!.state.upsertEndpointSlice({
        ...slice("web", [backendIP(1), backendIP(2)]),
        metadata: {
          name: "web-nodelet-0",
          namespace: "default",
          labels: { "kubernetes.io/service-name": "web" },
        },
      });
      await settle();
      const counts = countByBackend(await topo.client("client", "tcp", "10.96.0.10", 80, 30));
      assert.deepEqual(Object.keys(counts).sort(), ["b1", "b2"], JSON.stringify(counts));
    });

    it("reports and ignores a bad Service manifest without touching the others", async () => {
      const source = new StandaloneServiceSource(proxy!.state, "10.96.0.0/12", silentLogger());
      const outside = source.applyService(
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "bad" },
          spec: { clusterIP: "10.0.0.1", ports: [{ port: 80 }] },
        },
        "bad.yaml",
      );
      assert.deepEqual(
        outside.map((e) => e.path),
        ["spec.clusterIP"],
      );
      const broken = source.applyService(
        { metadata: { name: "worse" }, spec: { ports: [{ port: 0 }] } },
        "worse.yaml",
      );
      assert.deepEqual(
        broken.map((e) => e.path),
        ["spec.ports[0].port"],
      );
      const good = source.applyService(
        {
          metadata: { name: "fresh" },
          spec: { selector: { app: "fresh" }, ports: [{ port: 81, targetPort: 8080 }] },
        },
        "fresh.yaml",
      );
      assert.deepEqual(good, []);
      source.setPods([{ pod: pod("fresh-1", "fresh", backendIP(3)), ready: true, nodeName: NODE }]);
      await settle();
      const vip = proxy!.state.services().find((s) => s.metadata.name === "fresh")!.spec.clusterIP!;
      assert.deepEqual(await topo.client("client", "tcp", vip, 81, 2), [
        "b3 192.168.100.2",
        "b3 192.168.100.2",
      ]);
      assert.match((await topo.client("client", "tcp", "10.96.0.10", 80, 1))[0]!, /^b[12] /);
      // Readiness lost: the pod leaves the Service, which now rejects.
      source.setPods([{ pod: pod("fresh-1", "fresh", backendIP(3)), ready: false, nodeName: NODE }]);
      await settle();
      assert.match((await topo.client("client", "tcp", vip, 81, 1))[0]!, /^(ECONNREFUSED|ECONNRESET)/);
    });

    it("keeps traffic flowing through a proxy restart", async () => {
      await proxy!.stop();
      // Rules stay in the kernel while nodelet is down.
      assert.match((await topo.client("client", "tcp", "10.96.0.10", 80, 1))[0]!, /^b[12] /);
      const p = await start();
      const during = topo.client("client", "tcp", "10.96.0.10", 80, 40);
      p.state.upsertService(svc("web", "10.96.0.10", { ports: [{ port: 80, targetPort: 8080 }] }));
      p.state.upsertEndpointSlice(slice("web", BACKENDS.map(backendIP)));
      p.state.markSynced("services");
      p.state.markSynced("endpointslices");
      await settle();
      const answers = await during;
      assert.ok(
        answers.every((a) => /^b[123] /.test(a)),
        JSON.stringify(answers),
      );
      const counts = countByBackend(await topo.client("client", "tcp", "10.96.0.10", 80, 30));
      assert.equal(Object.keys(counts).length, 3, JSON.stringify(counts));
    });

    it("leaves no trace after cleanup", async () => {
      await proxy!.stop();
      proxy = null;
      await cleanupProxy(silentLogger(), topo.ns("node"));
      const ruleset = topo.exec("node", ["nft", "list", "ruleset"]);
      assert.doesNotMatch(ruleset, /nodelet|KUBE-/);
      for (const save of ["iptables-nft-save", "iptables-legacy-save"]) {
        assert.doesNotMatch(topo.exec("node", [save]), /KUBE-/);
      }
      assert.match((await topo.client("client", "tcp", "10.96.0.10", 80, 1))[0]!, /^(TIMEOUT|ECONN|EHOST)/);
    });
  });
}
