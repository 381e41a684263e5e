// The CertificateSigningRequest's name, derived from what is asked for (public key, subject,
// usages) as the kubelet derives it: a retry or restart with the same key finds its earlier
// request instead of filing a second one.
import { createHash } from "node:crypto";
import type { CsrSubject } from "./csr-der.ts";

/**
 * "node-csr-" + base64url(SHA-512/256 of each field, base64url-encoded and followed by "|").
 * The "|" is outside the base64url alphabet, so field boundaries cannot shift between inputs.
 */
export function digestedCsrName(spkiDer: Buffer, subject: CsrSubject, usages: readonly string[]): string {
  const hash = createHash("sha512-256");
  const write = (data: Buffer | string) => {
    hash.update(Buffer.from(data).toString("base64url"));
    hash.update("|");
  };
  write(spkiDer);
  write(subject.commonName);
  for (const o of subject.organizations) write(o);
  for (const u of usages) write(u);
  return `node-csr-${hash.digest("base64url")}`;
}
