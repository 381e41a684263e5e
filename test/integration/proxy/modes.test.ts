// Switching proxy modes removes the other mode's rules; IPVS refuses to start on kernels without it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import type { ProxyMode } from "../../../proxy/backend.ts";
import { cleanupProxy, startProxy } from "../../../proxy/start.ts";

describe("proxy mode switching", () => {
  const ns = `nlpmode${process.pid}`;
  const inNs = (...argv: string[]) =>
    execFileSync("ip", ["netns", "exec", ns, ...argv], { encoding: "utf8" });

  before(() => execFileSync("ip", ["netns", "add", ns]));
  after(async () => {
    await cleanupProxy(silentLogger(), ns).catch(() => {});
    execFileSync("ip", ["netns", "del", ns]);
  });

  const run = async (mode: ProxyMode) => {
    const p = await startProxy({
      mode,
      nodeName: "n",
      nodeIPs: [],
      serviceCIDR: "10.96.0.0/12",
      minSyncPeriodMs: 10,
      syncPeriodMs: 30_000,
      healthzBind: "",
      metricsBind: "",
      logger: silentLogger(),
      netns: ns,
    });
    p.state.upsertService({
      metadata: { name: "web", namespace: "default" },
      spec: { clusterIP: "10.96.0.10", ports: [{ port: 80 }] },
    });
    p.state.markSynced("services");
    p.state.markSynced("endpointslices");
    await p.syncer.whenSynced();
    await p.stop();
  };

  it("cleans the nftables table when switching to iptables and back", async () => {
    await run("nftables");
    assert.match(inNs("nft", "list", "tables"), /table ip nodelet/);
    await run("iptables");
    assert.doesNotMatch(inNs("nft", "list", "tables"), /nodelet/);
    assert.match(inNs("iptables-save", "-t", "filter"), /10\.96\.0\.10\/32.*REJECT/);
    await run("nftables");
    assert.doesNotMatch(inNs("iptables-nft-save"), /KUBE-/);
    assert.match(inNs("nft", "list", "tables"), /table ip nodelet/);
  });

  it("refuses IPVS mode with a clear message when the kernel lacks ip_vs", async (t) => {
    if (inNs("sh", "-c", "test -e /proc/net/ip_vs && echo yes || echo no").trim() === "yes") {
      t.skip("this kernel has IPVS");
      return;
    }
    await assert.rejects(run("ipvs"), /ip_vs kernel module/);
  });
});
