import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import type { ProxyBackend } from "../../../proxy/backend.ts";
import type { CommandRunner } from "../../../proxy/exec.ts";
import { ProxyMetrics } from "../../../proxy/metrics.ts";
import type { ChangeSet } from "../../../proxy/state.ts";
import { ProxyState } from "../../../proxy/state.ts";
import { ProxySyncer } from "../../../proxy/syncer.ts";
import { NODE, slice, svc } from "./fixtures.ts";

class RecordingBackend implements ProxyBackend {
  readonly mode = "nftables" as const;
  calls: { full: boolean; changed: string[]; at: number }[] = [];
  failNext = false;
  async sync(changes: ChangeSet, full: boolean): Promise<void> {
    this.calls.push({ full, changed: [...changes.changed], at: Date.now() });
    if (this.failNext) {
      this.failNext = false;
      throw new Error("boom");
    }
  }
  async cleanup(): Promise<void> {}
}

const runs: string[][] = [];
const runner: CommandRunner = {
  run: async (argv) => {
    runs.push(argv);
    return { code: 0, stdout: "", stderr: "" };
  },
};

function setup(minSyncPeriodMs = 50) {
  const state = new ProxyState(NODE);
  const backend = new RecordingBackend();
  const metrics = new ProxyMetrics();
  const syncer = new ProxySyncer({
    state,
    backend,
    runner,
    metrics,
    logger: silentLogger(),
    minSyncPeriodMs,
    syncPeriodMs: 60_000,
  });
  syncer.start();
  return { state, backend, syncer, metrics };
}

describe("ProxySyncer", () => {
  it("programs nothing until both lists are synced, then does a full sync", async () => {
    const { state, backend, syncer } = setup();
    state.upsertService(svc("a"));
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(backend.calls.length, 0);
    state.markSynced("services");
    state.markSynced("endpointslices");
    await syncer.whenSynced();
    assert.equal(backend.calls[0]!.full, true);
    await syncer.stop();
  });

  it("rate-limits bursts to one sync per minSyncPeriod and retries failures with a full sync", async () => {
    const { state, backend, syncer, metrics } = setup(100);
    state.markSynced("services");
    state.markSynced("endpointslices");
    await syncer.whenSynced();
    for (let i = 0; i < 20; i++) state.upsertService(svc(`s${i}`, { clusterIP: `10.96.1.${i}` }));
    await syncer.whenSynced();
    assert.ok(backend.calls.length <= 3, JSON.stringify(backend.calls));
    const gaps = backend.calls.slice(1).map((c, i) => c.at - backend.calls[i]!.at);
    assert.ok(
      gaps.every((g) => g >= 95),
      JSON.stringify(gaps),
    );
    backend.failNext = true;
    state.upsertService(svc("x", { clusterIP: "10.96.2.1" }));
    await syncer.whenSynced();
    assert.equal(metrics.syncFailures, 1);
    assert.equal(backend.calls.at(-1)!.full, true);
    await syncer.stop();
  });

  it("deletes stale UDP conntrack entries after an endpoint goes away", async () => {
    const { state, syncer } = setup(10);
    const dns = svc("dns", { ports: [{ port: 53, protocol: "UDP", targetPort: 53 }] });
    state.upsertService(dns);
    state.upsertEndpointSlice(slice("dns", ["10.1.0.1", "10.1.0.2"], 53, "UDP"));
    state.markSynced("services");
    state.markSynced("endpointslices");
    await syncer.whenSynced();
    runs.length = 0;
    state.upsertEndpointSlice(slice("dns", ["10.1.0.2"], 53, "UDP"));
    await syncer.whenSynced();
    assert.deepEqual(runs, [
      [
        "conntrack",
        "-D",
        "-p",
        "udp",
        "--orig-dst",
        "10.96.0.10",
        "--orig-port-dst",
        "53",
        "--dst-nat",
        "10.1.0.1",
      ],
    ]);
    await syncer.stop();
  });
});
