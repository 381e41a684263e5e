import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_LEASE_DURATION_SECONDS,
  LEASE_NAMESPACE,
  leasePath,
  microTime,
  RETRY_INITIAL_MS,
  RETRY_MAX_MS,
  renewedLease,
  renewIntervalMs,
} from "../../../agent/cluster/node/lease.ts";
import { jittered, RetryDelay } from "../../../agent/cluster/node/pause.ts";
import {
  DEFAULT_STATUS_REPORT_FREQUENCY_MS,
  DEFAULT_STATUS_UPDATE_FREQUENCY_MS,
} from "../../../agent/cluster/node/node-agent.ts";

describe("node lease", () => {
  it("uses the upstream defaults: 40 s lease renewed every 10 s, status every 10 s, report every 5 min", () => {
    assert.equal(DEFAULT_LEASE_DURATION_SECONDS, 40);
    assert.equal(renewIntervalMs(DEFAULT_LEASE_DURATION_SECONDS), 10_000);
    assert.equal(DEFAULT_STATUS_UPDATE_FREQUENCY_MS, 10_000);
    assert.equal(DEFAULT_STATUS_REPORT_FREQUENCY_MS, 300_000);
    assert.equal(LEASE_NAMESPACE, "kube-node-lease");
    assert.equal(leasePath("n1"), "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1");
  });

  it("retries a failed renewal after 200 ms doubling to 7 s", () => {
    const r = new RetryDelay(RETRY_INITIAL_MS, RETRY_MAX_MS);
    assert.deepEqual(
      Array.from({ length: 8 }, () => r.next()),
      [200, 400, 800, 1600, 3200, 6400, 7000, 7000],
    );
    r.reset();
    assert.equal(r.next(), 200);
  });

  it("spreads the period by up to 4%", () => {
    assert.equal(
      jittered(10_000, 0.04, () => 0),
      10_000,
    );
    assert.equal(
      jittered(10_000, 0.04, () => 1),
      10_400,
    );
  });

  it("writes MicroTime with microseconds", () => {
    assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05.678000Z");
  });

  it("creates a Lease held by the node and owned by its Node", () => {
    const now = Date.UTC(2026, 0, 1);
    assert.deepEqual(renewedLease(undefined, "n1", 40, now, { name: "n1", uid: "u1" }), {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "n1",
        namespace: "kube-node-lease",
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "u1" }],
      },
      spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" },
    });
  });

  it("renews from the Lease as read (resourceVersion kept), fixing a stale Node owner", () => {
    const base = {
      metadata: {
        name: "n1",
        namespace: "kube-node-lease",
        resourceVersion: "42",
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "old" }],
      },
      spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" },
    };
    const l = renewedLease(base, "n1", 40, Date.UTC(2026, 0, 1, 0, 0, 10), { name: "n1", uid: "new" });
    assert.equal(l.metadata.resourceVersion, "42");
    assert.deepEqual(l.metadata.ownerReferences, [
      { apiVersion: "v1", kind: "Node", name: "n1", uid: "new" },
    ]);
    assert.equal(l.spec?.renewTime, "2026-01-01T00:00:10.000000Z");
    const unowned = renewedLease(base, "n1", 40, 0, undefined);
    assert.deepEqual(unowned.metadata.ownerReferences, base.metadata.ownerReferences);
  });
});
