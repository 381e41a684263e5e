import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { buildCsr, csrToPem, nodeSubject } from "../../../../agent/cluster/bootstrap/csr-der.ts";
import {
  type CertificateSigningRequest,
  type CsrCondition,
  csrVerdict,
  KUBELET_CLIENT_SIGNER,
  KUBELET_CLIENT_USAGES,
  newCsrObject,
} from "../../../../agent/cluster/bootstrap/csr-object.ts";
import { csrMismatch } from "../../../../agent/cluster/bootstrap/csr-submit.ts";

function csr(conditions: CsrCondition[], certificate?: string): CertificateSigningRequest {
  return {
    metadata: { name: "node-csr-x" },
    spec: { request: "", signerName: KUBELET_CLIENT_SIGNER },
    status: {
      conditions,
      ...(certificate ? { certificate: Buffer.from(certificate).toString("base64") } : {}),
    },
  };
}
const approved = { type: "Approved", status: "True", reason: "AutoApproved" };

test("pending until approved and signed; the certificate decoded from base64", () => {
  assert.deepEqual(csrVerdict({ metadata: {}, spec: { request: "", signerName: "s" } }), {
    state: "pending",
    approved: false,
  });
  assert.deepEqual(csrVerdict(csr([approved])), { state: "pending", approved: true });
  assert.deepEqual(csrVerdict(csr([approved], "PEM")), { state: "issued", certificatePem: "PEM" });
});

test("Denied and Failed end the wait with their reason and message", () => {
  const denied = { type: "Denied", status: "True", reason: "KubectlDeny", message: "no" };
  assert.deepEqual(csrVerdict(csr([denied])), { state: "denied", reason: "KubectlDeny", message: "no" });
  assert.deepEqual(csrVerdict(csr([approved, { type: "Failed", reason: "SignerError" }], "PEM")), {
    state: "failed",
    reason: "SignerError",
    message: "",
  });
});

test("an existing request is adopted only when it asks for the same key, subject, signer and usages", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const make = (
    node: string,
    key = privateKey,
    usages: readonly string[] = KUBELET_CLIENT_USAGES,
    signer = KUBELET_CLIENT_SIGNER,
  ) => newCsrObject("node-csr-x", csrToPem(buildCsr(key, nodeSubject(node))), signer, usages);
  const wanted = make("a");
  // Signed again (ECDSA signatures differ every time), usages in another order: the same request.
  assert.equal(csrMismatch(make("a", privateKey, ["client auth", "digital signature"]), wanted), undefined);
  assert.match(csrMismatch(make("b"), wanted) ?? "", /subject or public key/);
  const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  assert.match(csrMismatch(make("a", other), wanted) ?? "", /subject or public key/);
  assert.match(csrMismatch(make("a", privateKey, ["client auth"]), wanted) ?? "", /usages/);
  assert.match(
    csrMismatch(make("a", privateKey, KUBELET_CLIENT_USAGES, "example.com/x"), wanted) ?? "",
    /signerName/,
  );
  const garbage = { ...wanted, spec: { ...wanted.spec, request: Buffer.from("x").toString("base64") } };
  assert.match(csrMismatch(garbage, wanted) ?? "", /unreadable request/);
});
