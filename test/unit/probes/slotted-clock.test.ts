import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { slottedClock } from "../../../probes/slotted-clock.ts";

test("timers due in one slot fire together from one Node timer at the slot's end", async () => {
  const clock = slottedClock(40);
  const start = clock.now();
  // Offsets from the next slot boundary, so both timers fall into the same slot.
  const base = Math.ceil((start + 1) / 40) * 40 - start;
  let firstAt = 0;
  let inFirstTurn = false;
  let secondInSameTurn: boolean | undefined;
  clock.setTimeout(() => {
    firstAt = Date.now();
    inFirstTurn = true;
    // Node runs microtasks between two separate timer callbacks, not within one.
    queueMicrotask(() => {
      inFirstTurn = false;
    });
  }, base + 5);
  clock.setTimeout(() => {
    secondInSameTurn = inFirstTurn;
  }, base + 30);
  await sleep(base + 120);
  assert.equal(secondInSameTurn, true);
  const slotEnd = Math.ceil((start + base + 30) / 40) * 40;
  // Node's timers may run a millisecond early by the wall clock.
  assert.ok(firstAt >= slotEnd - 2, `fired ${slotEnd - firstAt} ms before the slot's end`);
});

test("clearTimeout cancels one timer; the others in its slot still fire", async () => {
  const clock = slottedClock(20);
  const fired: number[] = [];
  const a = clock.setTimeout(() => fired.push(1), 10);
  clock.setTimeout(() => fired.push(2), 10);
  clock.clearTimeout(a);
  clock.clearTimeout(undefined);
  await sleep(60);
  assert.deepEqual(fired, [2]);
});

test("a slot whose timers are all cleared drops its Node timer", () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const clock = slottedClock(10_000);
  const before = timeouts();
  const a = clock.setTimeout(() => assert.fail("cleared timer fired"), 5000);
  const b = clock.setTimeout(() => assert.fail("cleared timer fired"), 5001);
  assert.equal(timeouts(), before + 1);
  clock.clearTimeout(a);
  assert.equal(timeouts(), before + 1);
  clock.clearTimeout(b);
  assert.equal(timeouts(), before);
});

test("a timer already due fires on the next turn without rounding", async () => {
  const clock = slottedClock(1000);
  const t0 = Date.now();
  let at = 0;
  clock.setTimeout(() => {
    at = Date.now();
  }, 0);
  await sleep(50);
  assert.ok(at > 0 && at - t0 < 50);
});

test("a timer cancelled by an earlier one in the same slot does not fire", async () => {
  const clock = slottedClock(20);
  const fired: number[] = [];
  let b: unknown;
  clock.setTimeout(() => {
    fired.push(1);
    clock.clearTimeout(b);
  }, 5);
  b = clock.setTimeout(() => fired.push(2), 5);
  await sleep(60);
  assert.deepEqual(fired, [1]);
});
