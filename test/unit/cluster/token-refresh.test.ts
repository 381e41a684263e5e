import assert from "node:assert/strict";
import { test } from "node:test";
import { tokenExpired, tokenNeedsRefresh } from "../../../agent/cluster/token-refresh.ts";

const H = 3600_000;

test("a token is renewed past 80 % of its lifetime", () => {
  const t = { expiresAtMs: 10 * H, expirationSeconds: 3600 }; // issued at 9 h
  assert.equal(tokenNeedsRefresh(t, 9 * H + 0.79 * H), false);
  assert.equal(tokenNeedsRefresh(t, 9 * H + 0.81 * H), true);
  // the jitter brings it forward by up to 10 s
  assert.equal(tokenNeedsRefresh(t, 9 * H + 0.8 * H - 5_000, 10_000), true);
});

test("a long-lived token is renewed after 24 h", () => {
  const t = { expiresAtMs: 100 * H, expirationSeconds: 100 * 3600 }; // issued at 0
  assert.equal(tokenNeedsRefresh(t, 23 * H), false);
  assert.equal(tokenNeedsRefresh(t, 24 * H + 1), true);
});

test("expired means past expirationTimestamp", () => {
  const t = { expiresAtMs: 10 * H, expirationSeconds: 3600 };
  assert.equal(tokenExpired(t, 10 * H - 1), false);
  assert.equal(tokenExpired(t, 10 * H), true);
});
