import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import { detectIptablesFlavour } from "../../../proxy/iptables/flavour.ts";
import { StandaloneServiceSource, validateEndpointSlice } from "../../../proxy/standalone.ts";
import { ProxyState } from "../../../proxy/state.ts";
import { NODE, slice } from "./fixtures.ts";

const pod = (name: string, ip: string): Pod => ({
  metadata: { name, namespace: "default", labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "i" }] },
  status: { podIP: ip, phase: "Running" },
});

describe("StandaloneServiceSource", () => {
  it("allocates, derives endpoints from local pods and ignores bad manifests", () => {
    const state = new ProxyState(NODE);
    const src = new StandaloneServiceSource(state, "10.96.0.0/12", silentLogger());
    assert.deepEqual(
      src.applyService(
        { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
        "a",
      ),
      [],
    );
    assert.equal(
      src.applyService(
        { metadata: { name: "x" }, spec: { clusterIP: "1.2.3.4", ports: [{ port: 80 }] } },
        "b",
      )[0]?.path,
      "spec.clusterIP",
    );
    src.setPods([
      { pod: pod("a", "10.1.0.1"), ready: true, nodeName: NODE },
      { pod: pod("b", "10.1.0.2"), ready: false, nodeName: NODE },
    ]);
    src.markSynced();
    assert.equal(state.isSynced(), true);
    const [sp] = state.takeChanges().model.get("default/web")!;
    assert.match(sp!.clusterIP!, /^10\./);
    assert.deepEqual(
      sp!.endpoints.map((e) => [e.ip, e.ready]),
      [
        ["10.1.0.1", true],
        ["10.1.0.2", false],
      ],
    );
    assert.equal(state.services().length, 1);
    src.setPods([{ pod: pod("a", "10.1.0.1"), ready: true, nodeName: NODE }]);
    src.setPods([{ pod: pod("a", "10.1.0.1"), ready: true, nodeName: NODE }]);
    assert.deepEqual([...state.takeChanges().changed], ["default/web"]);
    src.removeService("default", "web");
    assert.equal(state.takeChanges().model.has("default/web"), false);
  });

  it("validates hand-written EndpointSlices", () => {
    assert.deepEqual(validateEndpointSlice(slice("a", ["10.1.0.1"])).errors, []);
    const bad = validateEndpointSlice({
      metadata: { name: "s" },
      addressType: "IPv4",
      endpoints: [{ addresses: ["nope"] }],
    });
    assert.deepEqual(
      bad.errors.map((e) => e.path),
      ["metadata.labels", "endpoints[0].addresses[0]"],
    );
  });
});

describe("detectIptablesFlavour", () => {
  const runner = (legacyRules: number, nftRules: number, version: string) => ({
    run: async (argv: string[]) => {
      const rules = (n: number) => "*nat\n" + "-A X -j ACCEPT\n".repeat(n);
      if (argv[0] === "iptables-legacy-save") return { code: 0, stdout: rules(legacyRules), stderr: "" };
      if (argv[0] === "iptables-nft-save") return { code: 0, stdout: rules(nftRules), stderr: "" };
      return { code: 0, stdout: version, stderr: "" };
    },
  });

  it("follows the flavour that holds rules, else the default iptables", async () => {
    assert.equal(await detectIptablesFlavour(runner(5, 0, "iptables v1.8.9 (nf_tables)")), "legacy");
    assert.equal(await detectIptablesFlavour(runner(0, 5, "iptables v1.8.9 (legacy)")), "nft");
    assert.equal(await detectIptablesFlavour(runner(0, 0, "iptables v1.8.9 (nf_tables)")), "nft");
    assert.equal(await detectIptablesFlavour(runner(0, 0, "iptables v1.8.9 (legacy)")), "legacy");
  });
});
