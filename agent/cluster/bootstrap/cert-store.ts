// The node's client certificate on disk as the kubelet keeps it: certificate and key together in
// <certDir>/kubelet-client-<timestamp>.pem, and kubelet-client-current.pem, a symlink to the one
// in use, which the kubeconfig names (so a renewal only has to move the link).
import type { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { symlinkAtomic, writeFileAtomic } from "./atomic-file.ts";
import { parseCertificates } from "./client-cert.ts";

export const CLIENT_CERT_PREFIX = "kubelet-client";
export const CURRENT_CLIENT_CERT = `${CLIENT_CERT_PREFIX}-current.pem`;
/** Where the key of a request still waiting for its certificate is kept. */
export const PENDING_KEY_FILE = `${CLIENT_CERT_PREFIX}.key.tmp`;

/** "2006-01-02-15-04-05" in UTC. */
export function certTimestamp(now: Date): string {
  return now.toISOString().slice(0, 19).replace(/[T:]/g, "-");
}

/** Writes the pair and points the current link at it; returns the link's path. */
export async function storeClientCert(
  certDir: string,
  certPem: string,
  keyPem: string,
  now: Date = new Date(),
): Promise<string> {
  const file = `${CLIENT_CERT_PREFIX}-${certTimestamp(now)}.pem`;
  const pem = `${certPem.trimEnd()}\n${keyPem.trimEnd()}\n`;
  await writeFileAtomic(join(certDir, file), pem, 0o600);
  const current = join(certDir, CURRENT_CLIENT_CERT);
  // Relative: the directory can move without breaking the link.
  await symlinkAtomic(file, current);
  return current;
}

/** The leaf certificate kubelet-client-current.pem holds now. */
export async function readCurrentClientCert(certDir: string): Promise<X509Certificate> {
  const path = join(certDir, CURRENT_CLIENT_CERT);
  const [leaf] = parseCertificates(await readFile(path, "utf8"));
  if (!leaf) throw new Error(`${path} holds no PEM certificate`);
  return leaf;
}
