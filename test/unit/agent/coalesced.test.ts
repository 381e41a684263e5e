import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coalesced } from "../../../agent/coalesced.ts";

describe("coalesced", () => {
  it("gives every caller a run that began after its call, sharing runs between concurrent callers", async () => {
    let runs = 0;
    const releases: (() => void)[] = [];
    const read = coalesced(
      () =>
        new Promise<number>((resolve) => {
          const n = ++runs;
          releases.push(() => resolve(n));
        }),
    );
    const a = read(); // starts run 1
    const b = read(); // queued for run 2
    const c = read(); // shares run 2
    assert.equal(runs, 1);
    releases.shift()!();
    assert.equal(await a, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(runs, 2);
    releases.shift()!();
    assert.equal(await b, 2);
    assert.equal(await c, 2);
    const d = read();
    assert.equal(runs, 3);
    releases.shift()!();
    assert.equal(await d, 3);
  });

  it("runs again after a failed run", async () => {
    let fail = true;
    const read = coalesced(async () => {
      if (fail) throw new Error("down");
      return "up";
    });
    await assert.rejects(read(), /down/);
    fail = false;
    assert.equal(await read(), "up");
  });
});
