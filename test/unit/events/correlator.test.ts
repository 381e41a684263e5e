import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CoreEvent } from "../../../agent/api/event.ts";
import { COMBINED_PREFIX, EventCorrelator } from "../../../agent/cluster/event-correlator.ts";

const MIN = 60_000;
let seq = 0;
const name = () => `p.${(++seq).toString(16)}`;

function ev(message: string, over: Partial<CoreEvent> = {}, nowMs = 0): CoreEvent {
  const ts = new Date(nowMs).toISOString();
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: name(), namespace: "ns" },
    involvedObject: {
      kind: "Pod",
      apiVersion: "v1",
      namespace: "ns",
      name: "p",
      uid: "u1",
      fieldPath: "spec.containers{c}",
    },
    reason: "Unhealthy",
    message,
    source: { component: "kubelet", host: "n1" },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type: "Warning",
    reportingComponent: "kubelet",
    reportingInstance: "n1",
    ...over,
  };
}

describe("EventCorrelator", () => {
  it("creates the first event and patches identical repeats: count, lastTimestamp, same name", () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev("Liveness probe failed: x", {}, 0), 0, name);
    assert.equal(first.skip, false);
    assert.ok(!first.skip && first.patch === undefined);
    const firstName = !first.skip ? first.event.metadata.name : "";
    const second = c.correlate(ev("Liveness probe failed: x", {}, 5000), 5000, name);
    assert.ok(!second.skip);
    assert.equal(second.event.metadata.name, firstName);
    assert.deepEqual(second.patch, {
      count: 2,
      lastTimestamp: new Date(5000).toISOString(),
      message: "Liveness probe failed: x",
    });
    assert.equal(second.event.firstTimestamp, new Date(0).toISOString());
  });

  it("keeps events of other containers, reasons or messages apart", () => {
    const c = new EventCorrelator();
    const a = c.correlate(ev("m"), 0, name);
    const b = c.correlate(
      ev("m", { involvedObject: { ...ev("m").involvedObject, fieldPath: "spec.containers{d}" } }),
      0,
      name,
    );
    const d = c.correlate(ev("m", { reason: "BackOff" }), 0, name);
    const e = c.correlate(ev("other"), 0, name);
    for (const r of [a, b, d, e]) assert.ok(!r.skip && r.patch === undefined);
  });

  it("combines the 10th distinct message of one reason within 10 minutes, then counts into it", () => {
    const c = new EventCorrelator();
    for (let i = 1; i <= 9; i++) {
      const r = c.correlate(ev(`msg ${i}`), i * 1000, name);
      assert.ok(!r.skip && !r.event.message.startsWith(COMBINED_PREFIX), `event ${i}`);
    }
    const tenth = c.correlate(ev("msg 10"), 10_000, name);
    assert.ok(!tenth.skip);
    assert.equal(tenth.event.message, `${COMBINED_PREFIX}msg 10`);
    assert.equal(tenth.patch, undefined);
    const eleventh = c.correlate(ev("msg 11"), 11_000, name);
    assert.ok(!eleventh.skip);
    assert.equal(eleventh.event.metadata.name, tenth.event.metadata.name);
    assert.deepEqual(eleventh.patch, {
      count: 2,
      lastTimestamp: new Date(0).toISOString(),
      message: `${COMBINED_PREFIX}msg 11`,
    });
  });

  it("starts aggregation afresh after 10 quiet minutes", () => {
    const c = new EventCorrelator();
    for (let i = 1; i <= 9; i++) c.correlate(ev(`msg ${i}`), 0, name);
    const later = c.correlate(ev("msg 10"), 10 * MIN + 1, name);
    assert.ok(!later.skip && !later.event.message.startsWith(COMBINED_PREFIX));
  });

  it("rate-limits per object: 25 at once, then one more per 5 minutes; counts go on", () => {
    const c = new EventCorrelator();
    let accepted = 0;
    let last: ReturnType<EventCorrelator["correlate"]> | undefined;
    for (let i = 0; i < 40; i++) {
      const r = c.correlate(ev("same"), 0, name);
      if (!r.skip) {
        accepted++;
        last = r;
      }
    }
    assert.equal(accepted, 25);
    assert.ok(last && !last.skip && last.patch?.count === 25);
    assert.equal(c.correlate(ev("same"), 4 * MIN, name).skip, true);
    const refill = c.correlate(ev("same"), 5 * MIN, name);
    assert.ok(!refill.skip);
    // 40 occurrences + the one at 4 min were observed before this one: the count says so.
    assert.equal(refill.patch?.count, 42);
    // Another pod has its own bucket.
    const other = ev("same", {
      involvedObject: { kind: "Pod", apiVersion: "v1", namespace: "ns", name: "q", uid: "u2" },
    });
    assert.equal(c.correlate(other, 5 * MIN, name).skip, false);
  });

  it("forget(): after a lost create the next repeat creates again", () => {
    const c = new EventCorrelator();
    const r = c.correlate(ev("m"), 0, name);
    assert.ok(!r.skip);
    c.forget(r.key);
    const again = c.correlate(ev("m"), 1000, name);
    assert.ok(!again.skip && again.patch === undefined);
  });
});
