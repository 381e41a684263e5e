import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isNoop,
  planAtomicWrite,
  timestampedDirPrefix,
  userVisibleNames,
} from "../../../agent/volumes/atomic-layout.ts";
import type { Payload } from "../../../agent/volumes/projection.ts";

const payload = (files: Record<string, string>, mode = 0o644): Payload =>
  new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

test("timestamped directory names sort by time, like upstream ..2006_01_02_15_04_05.", () => {
  assert.equal(timestampedDirPrefix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), "..2026_01_02_03_04_05.");
});

test("user-visible names are the first element of each path", () => {
  assert.deepEqual(userVisibleNames(payload({ "b/x": "", "b/y": "", a: "" })), ["a", "b"]);
});

test("empty directory: write the data dir and link every top-level name", () => {
  const plan = planAtomicWrite(payload({ a: "1", "d/b": "2" }), { current: new Map(), entries: [] });
  assert.deepEqual(plan, { writeData: true, createLinks: ["a", "d"], removeEntries: [], removeDirs: [] });
});

test("same files and modes: nothing to do (cheap periodic refresh)", () => {
  const files = payload({ a: "1" });
  const plan = planAtomicWrite(files, {
    dataTarget: "..2026_01_01_00_00_00.1",
    current: payload({ a: "1" }),
    entries: ["..2026_01_01_00_00_00.1", "..data", "a"],
  });
  assert.ok(isNoop(plan));
});

test("changed content or mode: new data dir, old one removed after the swap", () => {
  const state = {
    dataTarget: "..old",
    current: payload({ a: "1" }),
    entries: ["..old", "..data", "a"],
  };
  assert.deepEqual(planAtomicWrite(payload({ a: "2" }), state), {
    writeData: true,
    createLinks: [],
    removeEntries: [],
    removeDirs: ["..old"],
  });
  assert.equal(planAtomicWrite(payload({ a: "1" }, 0o600), state).writeData, true);
});

test("a removed key loses its link; leftovers of an interrupted write are removed", () => {
  const plan = planAtomicWrite(payload({ a: "1" }), {
    dataTarget: "..cur",
    current: payload({ a: "1", b: "2" }),
    entries: ["..cur", "..data", "..data_tmp", "..crashed", "a", "b"],
  });
  assert.deepEqual(plan, {
    writeData: true,
    createLinks: [],
    removeEntries: ["b"],
    removeDirs: ["..crashed", "..cur", "..data_tmp"],
  });
  const unchanged = planAtomicWrite(payload({ a: "1" }), {
    dataTarget: "..cur",
    current: payload({ a: "1" }),
    entries: ["..cur", "..data", "..crashed", "a"],
  });
  assert.deepEqual(unchanged, {
    writeData: false,
    createLinks: [],
    removeEntries: [],
    removeDirs: ["..crashed"],
  });
});
