import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { nodeSubject, spkiDer } from "../../../../agent/cluster/bootstrap/csr-der.ts";
import { digestedCsrName } from "../../../../agent/cluster/bootstrap/csr-name.ts";

const USAGES = ["digital signature", "client auth"];
const KEY = createPrivateKey(`-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIEwWWQJIH3DZZLWRNPUudE4x3lNoaEP+hhluVWZonz2AoAoGCCqGSM49
AwEHoUQDQgAEWJT5E6MZNkgEONS3lhUOQdMo5XwlCdLP9OLXgjN+SQ/nMc3+XdnA
fotpUgbG/coe8dKio645cAEgcBiexa2fHw==
-----END EC PRIVATE KEY-----
`);
const spki = (k = KEY) => spkiDer(k);

test("the name is the kubelet's digest (reference values computed with Go's SHA-512/256)", () => {
  assert.equal(
    digestedCsrName(spki(), nodeSubject("node-a"), USAGES),
    "node-csr-vyJehDtuymxE3Ey-BRBW2IuYIgR8duZF0TuOL0j6ELQ",
  );
  assert.equal(
    digestedCsrName(spki(), nodeSubject("we_ird@node"), USAGES),
    "node-csr-378dtHGOLQlu5N0uE1FHr8gHJbBtAz_491tMTUFrJVY",
  );
});

test("same inputs, same name; any other key, subject or usage, another name", () => {
  const base = digestedCsrName(spki(), nodeSubject("node-a"), USAGES);
  assert.equal(digestedCsrName(spki(), nodeSubject("node-a"), [...USAGES]), base);
  const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  assert.notEqual(digestedCsrName(spki(other), nodeSubject("node-a"), USAGES), base);
  assert.notEqual(digestedCsrName(spki(), nodeSubject("node-b"), USAGES), base);
  assert.notEqual(digestedCsrName(spki(), nodeSubject("node-a"), [...USAGES, "key encipherment"]), base);
  // Field boundaries matter: moving characters between fields changes the name.
  assert.notEqual(
    digestedCsrName(spki(), { commonName: "ab", organizations: ["c"] }, []),
    digestedCsrName(spki(), { commonName: "a", organizations: ["bc"] }, []),
  );
  assert.match(base, /^node-csr-[A-Za-z0-9_-]{43}$/);
});
