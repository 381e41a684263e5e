import assert from "node:assert/strict";
import { test } from "node:test";
import { managesClientCert } from "../../../../agent/cluster/bootstrap/cert-rotation.ts";
import {
  RETRY_MAX_MS,
  retryDelayMs,
  rotationDeadline,
  rotationDelayMs,
} from "../../../../agent/cluster/bootstrap/rotation-schedule.ts";

// A 100-day certificate: each percent of its lifetime is one day.
const DAY = 86_400_000;
const notBefore = new Date("2026-01-01T00:00:00Z");
const validity = { notBefore, notAfter: new Date(notBefore.getTime() + 100 * DAY) };
const dayOf = (d: Date) => (d.getTime() - notBefore.getTime()) / DAY;

test("the renewal point lies between 70 % and 90 % of the lifetime, placed by random", () => {
  assert.equal(dayOf(rotationDeadline(validity, 0)), 70);
  assert.equal(dayOf(rotationDeadline(validity, 0.5)), 80);
  assert.ok(Math.abs(dayOf(rotationDeadline(validity, 0.999999)) - 90) < 0.001);
  for (let i = 0; i < 1000; i++) {
    const day = dayOf(rotationDeadline(validity, Math.random()));
    assert.ok(day >= 70 && day < 90, `day ${day}`);
  }
  // A broken source of randomness cannot push it out of the window.
  assert.equal(dayOf(rotationDeadline(validity, -3)), 70);
  assert.equal(dayOf(rotationDeadline(validity, 7)), 90);
});

test("the wait runs from now to the renewal point; once past, it is zero (renew now)", () => {
  const at = (day: number) => new Date(notBefore.getTime() + day * DAY);
  assert.equal(rotationDelayMs(validity, at(10), 0.5), 70 * DAY);
  assert.equal(rotationDelayMs(validity, at(79.5), 0.5), 0.5 * DAY);
  assert.equal(rotationDelayMs(validity, at(80), 0.5), 0);
  assert.equal(rotationDelayMs(validity, at(85), 0.5), 0);
  assert.equal(rotationDelayMs(validity, at(150), 0), 0, "expired already");
});

test("a 20 s certificate issued now is renewed 14 to 18 s from now", () => {
  const now = new Date();
  const short = { notBefore: now, notAfter: new Date(now.getTime() + 20_000) };
  assert.equal(rotationDelayMs(short, now, 0), 14_000);
  assert.equal(rotationDelayMs(short, now, 1), 18_000);
});

test("failed renewals are retried after 2 s doubling to 32 s, then every 32 s, up to 10 % later", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 100].map((n) => retryDelayMs(n, 0)),
    [2000, 4000, 8000, 16000, 32000, 32000, 32000, 32000],
  );
  assert.equal(retryDelayMs(1, 0.5), 2100);
  assert.equal(retryDelayMs(50, 0.999), Math.round(RETRY_MAX_MS * 1.0999));
});

test("only the pair kept in the cert dir (kubelet-client-current.pem for both) is rotated", () => {
  const current = "/var/lib/nodelet/pki/kubelet-client-current.pem";
  const both = { clientCertFile: current, clientKeyFile: current };
  assert.equal(managesClientCert(both, "/var/lib/nodelet/pki"), true);
  assert.equal(managesClientCert(both, "/var/lib/nodelet/pki/"), true);
  assert.equal(managesClientCert(both, "/var/lib/nodelet/other"), false);
  assert.equal(
    managesClientCert(
      { clientCertFile: current, clientKeyFile: "/etc/kubernetes/node.key" },
      "/var/lib/nodelet/pki",
    ),
    false,
  );
  assert.equal(managesClientCert({}, "/var/lib/nodelet/pki"), false, "inline certificate data");
});
