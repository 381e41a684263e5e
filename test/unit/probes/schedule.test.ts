import assert from "node:assert/strict";
import { test } from "node:test";
import {
  earliestProbeAt,
  gridPhase,
  gridPointAfter,
  gridPointAtOrAfter,
  nextProbeAt,
} from "../../../probes/schedule.ts";

test("the grid starts within one period after the worker starts", () => {
  assert.equal(gridPhase(1000, 10_000, 0), 1000);
  assert.equal(gridPhase(1000, 10_000, 0.5), 6000);
  assert.ok(gridPhase(1000, 10_000, 0.99999) < 11_000);
  assert.ok(gridPhase(1000, 10_000, 1) < 11_000);
});

test("grid points at/after and after a time", () => {
  assert.equal(gridPointAtOrAfter(3000, 10_000, 0), 3000);
  assert.equal(gridPointAtOrAfter(3000, 10_000, 3000), 3000);
  assert.equal(gridPointAtOrAfter(3000, 10_000, 15_000), 23_000);
  assert.equal(gridPointAfter(3000, 10_000, 3000), 13_000);
  assert.equal(gridPointAfter(3000, 10_000, 12_999), 13_000);
});

test("initial delay counts from the container start", () => {
  assert.equal(earliestProbeAt(5000, 7), 12_000);
});

test("a probe that overran its period is followed at once, then the grid resumes", () => {
  // started at 3000 on a 1 s grid, finished at 5500: one missed tick is kept.
  assert.equal(nextProbeAt(0, 1000, 3000, 5500), 5500);
  // finished before the next tick: wait for it.
  assert.equal(nextProbeAt(0, 1000, 3000, 3200), 4000);
});
