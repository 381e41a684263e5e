import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServicePortInfo } from "../../../proxy/model.ts";
import { arrangeEndpoints } from "../../../proxy/nftables/arrange.ts";
import { NftRuleset } from "../../../proxy/nftables/render.ts";
import { type Ep, ports, svc } from "./fixtures.ts";

const web = svc("web", {
  type: "NodePort",
  externalIPs: ["192.0.2.1"],
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
});

function model(entries: [string, ServicePortInfo[]][]): Map<string, ServicePortInfo[]> {
  return new Map(entries);
}

function committed(m: Map<string, ServicePortInfo[]>, cfg = {}) {
  const r = new NftRuleset({ table: "nodelet", nodePortCIDRs: [], ...cfg });
  const plan = r.planFull(m);
  plan.commit();
  return { r, script: plan.script };
}

describe("nftables full sync", () => {
  it("renders one table with flat maps: VIP . proto . port → group chain, buckets → endpoints", () => {
    const { script } = committed(model([["default/web", ports(web, ["10.1.0.1", "10.1.0.2", "10.1.0.3"])]]));
    assert.match(script, /^add table ip nodelet$/m);
    assert.doesNotMatch(script, /delete table|flush table|flush ruleset/);
    assert.match(
      script,
      /add element ip nodelet service-ips \{ 10\.96\.0\.10 \. tcp \. 80 : goto endpoints-3, 192\.0\.2\.1 \. tcp \. 80 : goto endpoints-3 \}/,
    );
    assert.match(script, /10\.96\.0\.10 \. tcp \. 80 \. 2 : 10\.1\.0\.3 \. 8080/);
    assert.match(
      script,
      /add rule ip nodelet endpoints-3 dnat ip to ip daddr \. meta l4proto \. th dport \. numgen random mod 3 map @service-endpoints/,
    );
    assert.match(
      script,
      /add element ip nodelet service-nodeports \{ tcp \. 30080 : goto nodeport-endpoints-3 \}/,
    );
    // External traffic (Cluster policy) is masqueraded, cluster IP traffic without clusterCIDR is not.
    assert.match(script, /add element ip nodelet masq-services \{ 192\.0\.2\.1 \. tcp \. 80 \}/);
    assert.match(script, /add element ip nodelet masq-nodeports \{ tcp \. 30080 \}/);
    assert.match(script, /add element ip nodelet hairpin \{ 10\.1\.0\.1 \. 10\.1\.0\.1, /);
    // Chains stay few: static ones plus the shared group chains.
    const chains = new Set([...script.matchAll(/^add chain ip nodelet (\S+)/gm)].map((m) => m[1]));
    assert.ok(chains.size < 50, `${chains.size} chains`);
  });

  it("rejects Services without endpoints and drops Local traffic without local endpoints", () => {
    const local = svc("loc", {
      clusterIP: "10.96.0.20",
      type: "NodePort",
      externalTrafficPolicy: "Local",
      ports: [{ port: 80, nodePort: 30020 }],
    });
    const { script } = committed(
      model([
        ["default/empty", ports(svc("empty", { clusterIP: "10.96.0.30" }), [])],
        ["default/loc", ports(local, [{ ip: "10.1.0.5", node: "other" }])],
      ]),
    );
    assert.match(script, /no-endpoint-services \{ 10\.96\.0\.30 \. tcp \. 80 : goto reject-chain \}/);
    assert.match(script, /no-endpoint-nodeports \{ tcp \. 30020 : drop \}/);
    assert.match(script, /service-ips \{ 10\.96\.0\.20 \. tcp \. 80 : goto endpoints-1 \}/);
    assert.doesNotMatch(script, /masq-nodeports \{ tcp \. 30020/);
  });

  it("gives ClientIP Services a chain with per-endpoint affinity sets and an exact cascade", () => {
    const s = svc("sticky", {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    });
    const { script } = committed(model([["default/sticky", ports(s, ["10.1.0.1", "10.1.0.2", "10.1.0.3"])]]));
    const sets = [
      ...script.matchAll(
        /add set ip nodelet (affinity-\S+) \{ type ipv4_addr; flags dynamic,timeout; timeout 60s; \}/g,
      ),
    ];
    assert.equal(sets.length, 3);
    assert.match(
      script,
      /numgen random mod 3 == 0 meta l4proto tcp update @affinity-\S+ \{ ip saddr \} dnat ip to 10\.1\.0\.1:8080/,
    );
    assert.match(
      script,
      /numgen random mod 2 == 0 meta l4proto tcp update @\S+ \{ ip saddr \} dnat ip to 10\.1\.0\.2:8080/,
    );
    assert.match(
      script,
      /add rule ip nodelet affinity-\S+ meta l4proto tcp update @\S+ \{ ip saddr \} dnat ip to 10\.1\.0\.3:8080/,
    );
    assert.match(script, /ip saddr @affinity-\S+ meta l4proto tcp update/);
    assert.doesNotMatch(script, /flush set ip nodelet affinity-/);
  });

  it("marks off-cluster traffic to cluster IPs when clusterCIDR is known, and removes leftovers of a previous run", () => {
    const r = new NftRuleset({
      table: "nodelet",
      nodePortCIDRs: ["192.168.0.0/16"],
      clusterCIDR: "10.244.0.0/16",
    });
    const script = r.planFull(model([["default/web", ports(web, ["10.1.0.1"])]]), {
      chains: ["services", "affinity-OLD"],
      sets: ["affinity-OLD-X", "hairpin"],
    }).script;
    assert.match(script, /@cluster-services ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade/);
    assert.match(script, /ip daddr @nodeport-ips jump nodeports/);
    assert.match(script, /add element ip nodelet nodeport-ips \{ 192\.168\.0\.0\/16 \}/);
    assert.match(script, /delete chain ip nodelet affinity-OLD$/m);
    assert.match(script, /delete set ip nodelet affinity-OLD-X$/m);
    assert.doesNotMatch(script, /delete (chain|set) ip nodelet (services|hairpin)$/m);
  });

  it("keeps the first Service when two claim the same frontend", () => {
    const a = svc("a", { externalIPs: ["192.0.2.9"], clusterIP: "10.96.0.1" });
    const b = svc("b", { externalIPs: ["192.0.2.9"], clusterIP: "10.96.0.2" });
    const { r, script } = committed(
      model([
        ["default/a", ports(a, ["10.1.0.1"])],
        ["default/b", ports(b, ["10.1.0.2", "10.1.0.3"])],
      ]),
    );
    assert.match(script, /192\.0\.2\.9 \. tcp \. 80 : goto endpoints-1/);
    assert.doesNotMatch(script, /192\.0\.2\.9 \. tcp \. 80 : goto endpoints-2/);
    assert.equal(r.conflicts.length, 1);
  });
});

describe("nftables incremental sync", () => {
  const three = ["10.1.0.1", "10.1.0.2", "10.1.0.3"];

  it("rewrites only the changed bucket when an endpoint is replaced", () => {
    const { r } = committed(model([["default/web", ports(web, three)]]));
    const next = ports(web, ["10.1.0.1", "10.1.0.4", "10.1.0.3"]);
    const plan = r.planIncremental(["default/web"], model([["default/web", next]]));
    const lines = plan.script.trim().split("\n");
    assert.deepEqual(lines, [
      "delete element ip nodelet service-endpoints { 10.96.0.10 . tcp . 80 . 1, 192.0.2.1 . tcp . 80 . 1 }",
      "delete element ip nodelet nodeport-endpoints { tcp . 30080 . 1 }",
      "add element ip nodelet service-endpoints { 10.96.0.10 . tcp . 80 . 1 : 10.1.0.4 . 8080, 192.0.2.1 . tcp . 80 . 1 : 10.1.0.4 . 8080 }",
      "add element ip nodelet nodeport-endpoints { tcp . 30080 . 1 : 10.1.0.4 . 8080 }",
      "add element ip nodelet hairpin { 10.1.0.4 . 10.1.0.4 }",
    ]);
  });

  it("adds a Service with additions only, and removes one by deleting its frontends only", () => {
    const { r } = committed(model([["default/web", ports(web, three)]]));
    const other = svc("other", { clusterIP: "10.96.0.99" });
    const m = model([
      ["default/web", ports(web, three)],
      ["default/other", ports(other, ["10.1.0.7"])],
    ]);
    const add = r.planIncremental(["default/other"], m);
    assert.doesNotMatch(add.script, /delete/);
    assert.match(add.script, /service-ips \{ 10\.96\.0\.99 \. tcp \. 80 : goto endpoints-1 \}/);
    add.commit();
    m.delete("default/other");
    const del = r.planIncremental(["default/other"], m);
    assert.equal(del.script, "delete element ip nodelet service-ips { 10.96.0.99 . tcp . 80 }\n");
    del.commit();
    // Re-adding reuses the lingering endpoint bucket instead of failing on a duplicate.
    m.set("default/other", ports(other, ["10.1.0.7"]));
    const again = r.planIncremental(["default/other"], m);
    assert.equal(
      again.script,
      "add element ip nodelet service-ips { 10.96.0.99 . tcp . 80 : goto endpoints-1 }\n",
    );
  });

  it("switches to a Service's reject verdict when its last endpoint goes away", () => {
    const { r } = committed(model([["default/web", ports(web, three)]]));
    const plan = r.planIncremental(["default/web"], model([["default/web", ports(web, [])]]));
    assert.match(
      plan.script,
      /delete element ip nodelet service-ips \{ 10\.96\.0\.10 \. tcp \. 80, 192\.0\.2\.1 \. tcp \. 80 \}/,
    );
    assert.match(
      plan.script,
      /add element ip nodelet no-endpoint-services \{ 10\.96\.0\.10 \. tcp \. 80 : goto reject-chain, /,
    );
    assert.match(
      plan.script,
      /add element ip nodelet no-endpoint-nodeports \{ tcp \. 30080 : goto reject-chain \}/,
    );
  });

  it("asks for a full sync when a new endpoint count needs a group chain that does not exist", () => {
    const { r } = committed(model([["default/web", ports(web, three)]]));
    const many: Ep[] = Array.from({ length: 40 }, (_, i) => ({ ip: `10.1.1.${i + 1}` }));
    assert.equal(
      r.planIncremental(["default/web"], model([["default/web", ports(web, many)]])).needsFull,
      true,
    );
  });
});

describe("arrangeEndpoints", () => {
  const ep = (ip: string) => ({ ip, port: 80, ready: true, serving: true, terminating: false, local: true });
  const ips = (xs: { ip: string }[]) => xs.map((e) => e.ip);

  it("keeps positions, fills holes with newcomers and compacts from the end", () => {
    const prev = ["a", "b", "c", "d"].map(ep);
    assert.deepEqual(ips(arrangeEndpoints(prev, ["a", "c", "d", "e"].map(ep))), ["a", "e", "c", "d"]);
    assert.deepEqual(ips(arrangeEndpoints(prev, ["a", "c"].map(ep))), ["a", "c"]);
    assert.deepEqual(ips(arrangeEndpoints(prev, ["b", "d"].map(ep))), ["d", "b"]);
    assert.deepEqual(ips(arrangeEndpoints(prev, ["a", "b", "c", "d", "f", "e"].map(ep))), [
      "a",
      "b",
      "c",
      "d",
      "f",
      "e",
    ]);
  });
});
