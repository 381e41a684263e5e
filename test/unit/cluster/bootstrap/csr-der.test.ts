import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import {
  buildCsr,
  certificationRequestInfo,
  csrFromPem,
  csrToPem,
  nodeSubject,
  requestInfoOf,
} from "../../../../agent/cluster/bootstrap/csr-der.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "nodelet-csr-der-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Reference values from Go's crypto/x509.CreateCertificateRequest (RawTBSCertificateRequest) for
// this key, which is what the kubelet sends.
const KEY = createPrivateKey(`-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIEwWWQJIH3DZZLWRNPUudE4x3lNoaEP+hhluVWZonz2AoAoGCCqGSM49
AwEHoUQDQgAEWJT5E6MZNkgEONS3lhUOQdMo5XwlCdLP9OLXgjN+SQ/nMc3+XdnA
fotpUgbG/coe8dKio645cAEgcBiexa2fHw==
-----END EC PRIVATE KEY-----
`);
const GO_INFO_NODE_A =
  "308196020100303431153013060355040a130c73797374656d3a6e6f646573311b30190603550403131273797374656d3a6e6f64653a6e6f64652d613059301306072a8648ce3d020106082a8648ce3d030107034200045894f913a31936480438d4b796150e41d328e57c2509d2cff4e2d782337e490fe731cdfe5dd9c07e8b695206c6fdca1ef1d2a2a3ae3970012070189ec5ad9f1fa000";
// "_" and "@" are outside PrintableString: the common name becomes a UTF8String.
const GO_INFO_WEIRD =
  "30819b020100303931153013060355040a130c73797374656d3a6e6f6465733120301e06035504030c1773797374656d3a6e6f64653a77655f697264406e6f64653059301306072a8648ce3d020106082a8648ce3d030107034200045894f913a31936480438d4b796150e41d328e57c2509d2cff4e2d782337e490fe731cdfe5dd9c07e8b695206c6fdca1ef1d2a2a3ae3970012070189ec5ad9f1fa000";

test("the signed part is byte for byte what Go's x509 builds", () => {
  assert.equal(certificationRequestInfo(KEY, nodeSubject("node-a")).toString("hex"), GO_INFO_NODE_A);
  assert.equal(certificationRequestInfo(KEY, nodeSubject("we_ird@node")).toString("hex"), GO_INFO_WEIRD);
});

test("openssl verifies the signature and reads the subject and key", async () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pem = csrToPem(buildCsr(privateKey, nodeSubject("worker-1")));
  const file = join(dir, "req.pem");
  writeFileSync(file, pem);
  const { stdout, stderr } = await run("openssl", ["req", "-in", file, "-verify", "-noout", "-text"]);
  assert.match(stderr + stdout, /verify OK/i);
  assert.match(stdout, /Subject: O\s*=\s*system:nodes, CN\s*=\s*system:node:worker-1/);
  assert.match(stdout, /ASN1 OID: prime256v1/);
  assert.match(stdout, /Signature Algorithm: ecdsa-with-SHA256/);
  const { stdout: pub } = await run("openssl", ["req", "-in", file, "-noout", "-pubkey"]);
  assert.equal(
    pub.trim(),
    createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString().trim(),
  );
});

test("openssl rejects a request whose signed part was changed", async () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const der = buildCsr(privateKey, nodeSubject("worker-1"));
  const tampered = Buffer.from(der);
  const at = tampered.indexOf(Buffer.from("worker-1"));
  tampered[at] = "W".charCodeAt(0);
  const file = join(dir, "tampered.pem");
  writeFileSync(file, csrToPem(tampered));
  // OpenSSL 3.0 exits 0 even then: judge by what it prints.
  const out = await run("openssl", ["req", "-in", file, "-verify", "-noout"]).then(
    (r) => r.stdout + r.stderr,
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`,
  );
  assert.doesNotMatch(out, /verify OK/i);
  assert.match(out, /verify fail/i);
});

test("PEM round trip and the signed part read back", () => {
  const der = buildCsr(KEY, nodeSubject("node-a"));
  const pem = csrToPem(der);
  assert.ok(pem.split("\n").every((l) => l.length <= 64));
  assert.deepEqual(csrFromPem(`junk\n${pem}`), der);
  assert.equal(requestInfoOf(der).toString("hex"), GO_INFO_NODE_A);
  assert.throws(() => csrFromPem("nothing"), /no CERTIFICATE REQUEST/);
});

test("keys other than ECDSA P-256 are refused", () => {
  const { privateKey: p384 } = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
  const { privateKey: ed } = generateKeyPairSync("ed25519");
  assert.throws(() => buildCsr(p384, nodeSubject("n")), /P-256/);
  assert.throws(() => buildCsr(ed, nodeSubject("n")), /P-256/);
});
