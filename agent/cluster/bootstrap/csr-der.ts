// A PKCS#10 CertificationRequest (RFC 2986) for an ECDSA P-256 key, which Node's crypto cannot
// build itself:
//
//   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
//   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
//                                           subjectPKInfo SubjectPublicKeyInfo, attributes [0] SET OF Attribute }
import { createPublicKey, type KeyObject, sign } from "node:crypto";
import {
  bitString,
  children,
  contextConstructed,
  integer,
  isPrintableString,
  oid,
  printableString,
  readElement,
  sequence,
  setOf,
  utf8String,
} from "./der.ts";

const OID_ORGANIZATION = "2.5.4.10";
const OID_COMMON_NAME = "2.5.4.3";
const OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

export interface CsrSubject {
  commonName: string;
  organizations: readonly string[];
}

/** The node client certificate's subject, as the kubelet asks for it. */
export function nodeSubject(nodeName: string): CsrSubject {
  return { commonName: `system:node:${nodeName}`, organizations: ["system:nodes"] };
}

function attributeValue(s: string): Buffer {
  return isPrintableString(s) ? printableString(s) : utf8String(s);
}

function rdn(type: string, value: string): Buffer {
  return setOf(sequence(oid(type), attributeValue(value)));
}

/** Name: one RDN per attribute, organizations before the common name (Go's x509 order). */
export function encodeName(subject: CsrSubject): Buffer {
  return sequence(
    ...subject.organizations.map((o) => rdn(OID_ORGANIZATION, o)),
    rdn(OID_COMMON_NAME, subject.commonName),
  );
}

function assertP256(key: KeyObject): void {
  if (
    key.type !== "private" ||
    key.asymmetricKeyType !== "ec" ||
    key.asymmetricKeyDetails?.namedCurve !== "prime256v1"
  ) {
    throw new Error(
      `CSR key must be an ECDSA P-256 private key (got ${key.type} ${key.asymmetricKeyType ?? "?"} ${key.asymmetricKeyDetails?.namedCurve ?? ""})`,
    );
  }
}

/** SubjectPublicKeyInfo DER of a private key's public half. */
export function spkiDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: "spki", format: "der" });
}

/** The signed part; deterministic for one key and subject (the signature is not). */
export function certificationRequestInfo(key: KeyObject, subject: CsrSubject): Buffer {
  assertP256(key);
  return sequence(integer(0), encodeName(subject), spkiDer(key), contextConstructed(0));
}

/** DER of a CertificationRequest signed with key (ecdsa-with-SHA256). */
export function buildCsr(key: KeyObject, subject: CsrSubject): Buffer {
  const info = certificationRequestInfo(key, subject);
  const signature = sign("sha256", info, key);
  return sequence(info, sequence(oid(OID_ECDSA_WITH_SHA256)), bitString(signature));
}

/** The certificationRequestInfo bytes of a DER CertificationRequest. */
export function requestInfoOf(csrDer: Buffer): Buffer {
  const outer = readElement(csrDer);
  const [info] = children(csrDer, outer);
  if (!info) throw new Error("CSR: empty CertificationRequest");
  return csrDer.subarray(info.start, info.end);
}

export function csrToPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** DER of the first CERTIFICATE REQUEST block of a PEM text. */
export function csrFromPem(pem: string): Buffer {
  const m =
    /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(
      pem,
    );
  if (!m) throw new Error("no CERTIFICATE REQUEST PEM block");
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}
