import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProxyState } from "../../../proxy/state.ts";
import { NODE, slice, svc } from "./fixtures.ts";

describe("ProxyState", () => {
  it("is synced only after both initial lists arrived", () => {
    const s = new ProxyState(NODE);
    s.markSynced("services");
    assert.equal(s.isSynced(), false);
    s.markSynced("endpointslices");
    assert.equal(s.isSynced(), true);
  });

  it("tracks which Services changed and rebuilds only their model", () => {
    const s = new ProxyState(NODE);
    let wakeups = 0;
    s.subscribe(() => wakeups++);
    s.upsertService(svc("a"));
    s.upsertService(svc("b", { clusterIP: "10.96.0.11" }));
    s.upsertEndpointSlice(slice("a", ["10.1.0.1"]));
    let c = s.takeChanges();
    assert.deepEqual([...c.changed].sort(), ["default/a", "default/b"]);
    assert.equal(c.model.get("default/a")![0]!.endpoints.length, 1);
    assert.ok(wakeups >= 3);
    s.upsertEndpointSlice(slice("a", ["10.1.0.1", "10.1.0.2"]));
    c = s.takeChanges();
    assert.deepEqual([...c.changed], ["default/a"]);
    assert.equal(c.model.get("default/a")![0]!.endpoints.length, 2);
    s.deleteEndpointSlice("default", "a-abc");
    s.deleteService("default", "b");
    c = s.takeChanges();
    assert.deepEqual([...c.changed].sort(), ["default/a", "default/b"]);
    assert.equal(c.model.get("default/a")![0]!.endpoints.length, 0);
    assert.equal(c.model.has("default/b"), false);
    assert.equal(s.takeChanges().changed.size, 0);
  });

  it("joins slices to their Service by the service-name label, whichever arrives first", () => {
    const s = new ProxyState(NODE);
    s.upsertEndpointSlice(slice("late", ["10.1.0.9"]));
    s.upsertService(svc("late"));
    assert.equal(s.takeChanges().model.get("default/late")![0]!.endpoints[0]!.ip, "10.1.0.9");
  });
});
