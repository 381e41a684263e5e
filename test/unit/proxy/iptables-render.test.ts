import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderRestore, type ServiceRules, serviceRules } from "../../../proxy/iptables/render.ts";
import type { ServicePortInfo } from "../../../proxy/model.ts";
import { ports, svc } from "./fixtures.ts";

const cfg = { nodePortCIDRs: [], clusterCIDR: "10.244.0.0/16" };
const rulesOf = (m: [string, ServicePortInfo[]][], comments = true) =>
  new Map<string, ServiceRules>(m.map(([k, p]) => [k, serviceRules(p, cfg, comments)]));

describe("iptables rendering", () => {
  const web = svc("web", { type: "NodePort", ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] });
  const three = ["10.1.0.1", "10.1.0.2", "10.1.0.3"];

  it("renders the kube-proxy chain layout with a probability cascade", () => {
    const text = renderRestore(rulesOf([["default/web", ports(web, three)]]), new Map(), "full", cfg);
    for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]) {
      assert.match(text, new RegExp(`^:${c} - \\[0:0\\]$`, "m"));
    }
    assert.match(
      text,
      /^-A KUBE-SERVICES -m comment --comment "default\/web: cluster IP" -d 10\.96\.0\.10\/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-\w{16}$/m,
    );
    assert.match(text, /-m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/);
    assert.match(text, /-m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/);
    assert.match(
      text,
      /^-A KUBE-SEP-\w+ -m comment --comment "default\/web:" -s 10\.1\.0\.1\/32 -j KUBE-MARK-MASQ$/m,
    );
    assert.match(text, /-j DNAT --to-destination 10\.1\.0\.3:8080/);
    assert.match(text, /! -s 10\.244\.0\.0\/16 -j KUBE-MARK-MASQ/);
    assert.match(text, /^-A KUBE-NODEPORTS .*--dport 30080 -j KUBE-EXT-/m);
    assert.match(text, /^-A KUBE-EXT-\w+ .* -j KUBE-MARK-MASQ$/m);
    assert.match(text, /^-A KUBE-POSTROUTING -m mark ! --mark 0x4000\/0x4000 -j RETURN$/m);
    assert.match(text, /MASQUERADE --random-fully/);
    // The nodeports jump is the last rule of KUBE-SERVICES.
    const svcRules = text.split("\n").filter((l) => l.startsWith("-A KUBE-SERVICES"));
    assert.match(svcRules.at(-1)!, /-j KUBE-NODEPORTS$/);
  });

  it("uses recent for ClientIP affinity and REJECT for Services without endpoints", () => {
    const sticky = svc("s", { sessionAffinity: "ClientIP", clusterIP: "10.96.0.11" });
    const text = renderRestore(
      rulesOf([
        ["default/s", ports(sticky, ["10.1.0.1", "10.1.0.2"])],
        ["default/e", ports(svc("e", { clusterIP: "10.96.0.12" }), [])],
      ]),
      new Map(),
      "full",
      cfg,
    );
    assert.match(
      text,
      /-m recent --name KUBE-SEP-\w+ --mask 255\.255\.255\.255 --rsource --rcheck --seconds 10800 --reap -j KUBE-SEP-/,
    );
    assert.match(text, /-m recent --name KUBE-SEP-\w+ --mask 255\.255\.255\.255 --rsource --set -j DNAT/);
    assert.match(
      text,
      /^\*filter[\s\S]*-A KUBE-SERVICES .*-d 10\.96\.0\.12\/32 -p tcp -m tcp --dport 80 -j REJECT/m,
    );
  });

  it("rewrites only the changed Service's chains on a partial sync and deletes the gone ones", () => {
    const other = svc("other", { clusterIP: "10.96.0.50" });
    const prev = rulesOf([
      ["default/web", ports(web, three)],
      ["default/other", ports(other, ["10.2.0.1"])],
    ]);
    const next = rulesOf([
      ["default/web", ports(web, ["10.1.0.1", "10.1.0.2"])],
      ["default/other", ports(other, ["10.2.0.1"])],
    ]);
    const text = renderRestore(next, prev, ["default/web"], cfg);
    const declared = [...text.matchAll(/^:(KUBE-(SVC|SEP|EXT)-\S+)/gm)].map((m) => m[1]!);
    const otherChains = [...prev.get("default/other")!.natChains.keys()];
    assert.ok(
      otherChains.every((c) => !declared.includes(c)),
      "unchanged Service chains are not rewritten",
    );
    assert.equal(text.match(/^-X KUBE-SEP-/gm)?.length, 1);
    // The shared dispatch chain still lists every Service.
    assert.match(text, /-d 10\.96\.0\.50\/32/);
  });

  it("drops comments in large clusters", () => {
    const text = renderRestore(rulesOf([["default/web", ports(web, three)]], false), new Map(), "full", cfg);
    assert.doesNotMatch(text, /default\/web/);
  });
});
