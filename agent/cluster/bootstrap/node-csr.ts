// The node's client certificate request, filed and waited for with whichever credential the caller
// holds: the bootstrap credential at first (TLS bootstrapping), the node's current certificate
// later (rotation). Both ask for the same subject, signer and usages.
import type { KeyObject, X509Certificate } from "node:crypto";
import type { Logger } from "../../log.ts";
import type { ApiClient } from "../api-client.ts";
import { parseCertificates } from "./client-cert.ts";
import { buildCsr, csrToPem, nodeSubject, spkiDer } from "./csr-der.ts";
import { digestedCsrName } from "./csr-name.ts";
import {
  type CertificateSigningRequest,
  KUBELET_CLIENT_SIGNER,
  KUBELET_CLIENT_USAGES,
  newCsrObject,
} from "./csr-object.ts";
import { submitCsr } from "./csr-submit.ts";
import { waitForCertificate } from "./csr-wait.ts";
import type { Deadline } from "./deadline.ts";

export interface NodeClientCsr {
  /** Digested from key, subject and usages: a retry with the same key finds its earlier request. */
  name: string;
  object: CertificateSigningRequest;
}

export function nodeClientCsr(key: KeyObject, nodeName: string): NodeClientCsr {
  const subject = nodeSubject(nodeName);
  const name = digestedCsrName(spkiDer(key), subject, KUBELET_CLIENT_USAGES);
  const requestPem = csrToPem(buildCsr(key, subject));
  return { name, object: newCsrObject(name, requestPem, KUBELET_CLIENT_SIGNER, KUBELET_CLIENT_USAGES) };
}

/** The error text of a wait that ran out: what the request still needs. */
export function awaitingApprovalMessage(name: string, timeoutMs: number): string {
  return (
    `no certificate for CertificateSigningRequest ${name} within ${formatDuration(timeoutMs)}: ` +
    `it needs approval (kubectl certificate approve ${name}) and the ${KUBELET_CLIENT_SIGNER} signer`
  );
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}` : `${s}s`;
}

export interface IssuedCert {
  /** The chain as issued, leaf first. */
  certPem: string;
  leaf: X509Certificate;
  /** An earlier attempt's request was adopted. */
  reused: boolean;
}

/** Files csr with client (or adopts the same earlier request) and waits for a certificate of key. */
export async function obtainCertificate(
  client: ApiClient,
  csr: NodeClientCsr,
  key: KeyObject,
  deadline: Deadline,
  log: Logger,
): Promise<IssuedCert> {
  const filed = await submitCsr(client, csr.object, deadline, log);
  log.info({ csr: csr.name, reused: filed.reused }, "certificate request filed");
  const certPem = await waitForCertificate(client, filed, deadline, log);
  const [leaf] = parseCertificates(certPem);
  if (!leaf)
    throw new Error(`CertificateSigningRequest ${csr.name}: the issued certificate holds no PEM certificate`);
  if (!leaf.checkPrivateKey(key))
    throw new Error(
      `CertificateSigningRequest ${csr.name}: the issued certificate is not for this node's key`,
    );
  return { certPem, leaf, reused: filed.reused };
}
