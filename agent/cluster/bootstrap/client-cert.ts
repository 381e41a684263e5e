// Whether an existing --kubeconfig can be used as it is: it must load and carry client
// certificates, none of them expired (the kubelet's isClientConfigStillValid). A token-only
// kubeconfig does not count: with a bootstrap kubeconfig the node wants its own certificate.
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { loadKubeconfig } from "../kubeconfig.ts";

/** The PEM CERTIFICATE blocks of a text, each parsed. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Why the kubeconfig at path cannot be used as it is, or undefined when it can. */
export function clientKubeconfigProblem(path: string, now: Date = new Date()): string | undefined {
  if (!existsSync(path)) return `${path} does not exist`;
  let cert: Buffer | string | undefined;
  try {
    cert = loadKubeconfig(path).tls.cert;
  } catch (err) {
    return (err as Error).message;
  }
  if (!cert) return `${path} has no client certificate`;
  let certs: X509Certificate[];
  try {
    certs = parseCertificates(cert.toString());
  } catch (err) {
    return `${path}: client certificate: ${(err as Error).message}`;
  }
  if (certs.length === 0) return `${path}: client certificate holds no PEM certificate`;
  for (const c of certs) {
    if (now > c.validToDate)
      return `${path}: client certificate ${c.subject.replace(/\n/g, ", ")} expired ${c.validTo}`;
  }
  return undefined;
}
