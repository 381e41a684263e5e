import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff, containerBackoffKey } from "../../../agent/backoff/backoff.ts";

const s = (n: number) => n * 1000;

describe("Backoff", () => {
  it("doubles from initial to max", () => {
    const b = new Backoff();
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 8; i++) {
      delays.push(b.next("k", now));
      now += s(1);
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300, 300].map(s));
    assert.equal(b.get("k"), s(300));
    assert.equal(b.get("other"), 0);
  });

  it("kubelet crash loop: first restart immediate, then waits the current delay from finishedAt", () => {
    const b = new Backoff();
    const key = "pod_ns_uid_c_hash";
    // first exit at t=0: not in back-off → restart now and record
    assert.equal(b.isInBackoffSince(key, 0, 0), false);
    b.next(key, 0);
    // second exit at t=2s: in back-off for 10 s from the exit
    assert.equal(b.isInBackoffSince(key, s(2), s(5)), true);
    assert.equal(b.retryAt(key, s(2), s(5)), s(12));
    assert.equal(b.isInBackoffSince(key, s(2), s(12)), false);
    b.next(key, s(12));
    assert.equal(b.get(key), s(20));
    // third exit at 13 s: waits 20 s
    assert.equal(b.isInBackoffSince(key, s(13), s(32)), true);
    assert.equal(b.isInBackoffSince(key, s(13), s(33)), false);
  });

  it("resets when the event is more than 2×max after the last update (10 min by default)", () => {
    const b = new Backoff();
    for (let i = 0; i < 6; i++) b.next("k", 0);
    assert.equal(b.get("k"), s(300));
    // exit exactly 600 s after the last update: still counts
    assert.equal(b.isInBackoffSince("k", s(600), s(601)), true);
    // 600.001 s: stale → not in back-off and the next delay restarts at initial
    assert.equal(b.isInBackoffSince("k", s(600) + 1, s(601)), false);
    assert.equal(b.next("k", s(600) + 1), s(10));
  });

  it("configurable initial and max", () => {
    const b = new Backoff({ initialMs: s(1), maxMs: s(5) });
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => b.next("k", i)),
      [1, 2, 4, 5, 5].map(s),
    );
    // reset after 2×5 s
    assert.equal(b.next("k", s(10) + 5), s(1));
    assert.throws(() => new Backoff({ initialMs: 0 }));
    assert.throws(() => new Backoff({ initialMs: s(10), maxMs: s(5) }));
  });

  it("isInBackoffSinceUpdate", () => {
    const b = new Backoff();
    b.next("k", s(100));
    assert.equal(b.isInBackoffSinceUpdate("k", s(105)), true);
    assert.equal(b.isInBackoffSinceUpdate("k", s(110)), false);
    assert.equal(b.isInBackoffSinceUpdate("none", s(110)), false);
  });

  it("gc drops entries idle for more than 2×max; reset drops one", () => {
    const b = new Backoff();
    b.next("old", 0);
    b.next("new", s(500));
    b.gc(s(600));
    assert.equal(b.size, 2);
    b.gc(s(600) + 1);
    assert.equal(b.size, 1);
    assert.equal(b.get("old"), 0);
    b.reset("new");
    assert.equal(b.size, 0);
  });

  it("keys are independent", () => {
    const b = new Backoff();
    b.next("a", 0);
    b.next("a", 0);
    b.next("b", 0);
    assert.equal(b.get("a"), s(20));
    assert.equal(b.get("b"), s(10));
  });

  it("containerBackoffKey", () => {
    assert.equal(
      containerBackoffKey({ name: "web", namespace: "ns", uid: "u1" }, "c", "abc"),
      "web_ns_u1_c_abc",
    );
  });
});

describe("Backoff for image pulls (upstream puller pattern)", () => {
  it("failed pull at t → no retry until t + delay, then retry; delay doubles", () => {
    const b = new Backoff();
    const key = "nginx:1/uid";
    assert.equal(b.isInBackoffSinceUpdate(key, 0), false);
    b.next(key, 0); // pull failed at 0 → ErrImagePull
    assert.equal(b.isInBackoffSinceUpdate(key, s(9)), true); // ImagePullBackOff
    assert.equal(b.isInBackoffSinceUpdate(key, s(10)), false); // retry
    b.next(key, s(10)); // failed again
    assert.equal(b.isInBackoffSinceUpdate(key, s(29)), true);
    assert.equal(b.isInBackoffSinceUpdate(key, s(30)), false);
  });
});

describe("Backoff.next with separate event and update times", () => {
  it("staleness uses the event time, lastUpdate the current time", () => {
    const b = new Backoff();
    b.next("k", 0, 0);
    b.next("k", s(5), s(15)); // 20 s, updated at 15 s
    // event 615 s is exactly 600 s after the update → not stale: doubles
    assert.equal(b.next("k", s(615), s(616)), s(40));
    // event more than 600 s after the last update (616 s) → reset
    assert.equal(b.next("k", s(1217), s(1217)), s(10));
  });
});
