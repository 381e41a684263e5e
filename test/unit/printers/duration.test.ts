import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { humanDuration, timestampSince } from "../../../agent/printers/duration.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration (kubectl AGE)", () => {
  const cases: [number, string][] = [
    [-2 * S, "<invalid>"],
    [-1999, "0s"],
    [-1 * S, "0s"],
    [0, "0s"],
    [5 * S, "5s"],
    [59 * S, "59s"],
    [119 * S, "119s"],
    [2 * M, "2m"],
    [2 * M + 3 * S, "2m3s"],
    [9 * M + 59 * S, "9m59s"],
    [10 * M, "10m"],
    [10 * M + 30 * S, "10m"],
    [179 * M, "179m"],
    [3 * H, "3h"],
    [3 * H + 4 * M, "3h4m"],
    [7 * H + 59 * M, "7h59m"],
    [8 * H, "8h"],
    [47 * H, "47h"],
    [2 * D, "2d"],
    [2 * D + 3 * H, "2d3h"],
    [7 * D + 23 * H, "7d23h"],
    [8 * D, "8d"],
    [729 * D, "729d"],
    [730 * D, "2y"],
    [3 * 365 * D + 45 * D, "3y45d"],
    [8 * 365 * D, "8y"],
    [20 * 365 * D + 100 * D, "20y"],
  ];
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe("timestampSince", () => {
  it("age from an RFC 3339 timestamp", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    assert.equal(timestampSince("2024-05-01T11:57:30Z", now), "2m30s");
    assert.equal(timestampSince(undefined, now), "<unknown>");
    assert.equal(timestampSince("garbage", now), "<unknown>");
  });
});
