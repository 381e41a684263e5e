// TLS bootstrapping (kubelet --bootstrap-kubeconfig): when --kubeconfig holds no usable client
// certificate, the node asks the API server for one with the bootstrap credential: a
// CertificateSigningRequest for CN=system:node:<node>, O=system:nodes to the kubelet client
// signer, waits until it is approved and signed, stores certificate and key in the cert dir and
// writes --kubeconfig to use them (the kubelet's bootstrap.LoadClientCert).
import { mkdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "../../log.ts";
import { ApiClient } from "../api-client.ts";
import { loadKubeconfig } from "../kubeconfig.ts";
import { PENDING_KEY_FILE, storeClientCert } from "./cert-store.ts";
import { clientKubeconfigProblem } from "./client-cert.ts";
import { writeClientKubeconfig } from "./client-kubeconfig.ts";
import { deadlineAfter } from "./deadline.ts";
import { loadOrGenerateKey } from "./key-file.ts";
import { awaitingApprovalMessage, type IssuedCert, nodeClientCsr, obtainCertificate } from "./node-csr.ts";

/** The kubelet's wait for a node client certificate. */
export const DEFAULT_BOOTSTRAP_TIMEOUT_MS = 3_600_000;

export interface ClientKubeconfigOptions {
  /** --kubeconfig: used as it is when its client certificate is valid, else written. */
  kubeconfig: string;
  /** --bootstrap-kubeconfig: a credential allowed to create CertificateSigningRequests. */
  bootstrapKubeconfig: string;
  /** --cert-dir (kubelet default <rootDir>/pki). */
  certDir: string;
  nodeName: string;
  log: Logger;
  /** From filing the request to holding the certificate; default 1 h. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ClientKubeconfigResult {
  /** false: the existing kubeconfig was valid and nothing was done. */
  bootstrapped: boolean;
  csrName?: string;
  /** <certDir>/kubelet-client-current.pem */
  certFile?: string;
}

export async function ensureClientKubeconfig(o: ClientKubeconfigOptions): Promise<ClientKubeconfigResult> {
  const log = o.log.child({ component: "tls-bootstrap" });
  const problem = clientKubeconfigProblem(o.kubeconfig);
  if (!problem) return { bootstrapped: false };
  log.info(
    { reason: problem, bootstrapKubeconfig: o.bootstrapKubeconfig },
    "requesting a client certificate",
  );

  const bootstrap = loadKubeconfig(o.bootstrapKubeconfig);
  await bootstrap.refreshCredentials();
  const certDir = resolve(o.certDir);
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  const keyFile = join(certDir, PENDING_KEY_FILE);
  const pending = await loadOrGenerateKey(keyFile, (why) => log.warn({ why }, "replacing the pending key"));

  const csr = nodeClientCsr(pending.key, o.nodeName);
  const name = csr.name;
  const timeoutMs = o.timeoutMs ?? DEFAULT_BOOTSTRAP_TIMEOUT_MS;
  const deadline = deadlineAfter(timeoutMs, o.signal, () => awaitingApprovalMessage(name, timeoutMs));

  const client = new ApiClient(bootstrap, `nodelet/${o.nodeName} (tls-bootstrap)`);
  let issued: IssuedCert;
  try {
    if (pending.reused) log.info({ csr: name }, "reusing the key of an earlier request");
    issued = await obtainCertificate(client, csr, pending.key, deadline, log);
  } finally {
    client.close();
  }
  const { certPem, leaf } = issued;

  const certFile = await storeClientCert(certDir, certPem, pending.pem);
  await rm(keyFile, { force: true });
  await mkdir(dirname(resolve(o.kubeconfig)), { recursive: true });
  await writeClientKubeconfig(o.kubeconfig, {
    server: bootstrap.server,
    ...(bootstrap.tls.ca ? { caData: bootstrap.tls.ca } : {}),
    insecureSkipTLSVerify: !bootstrap.tls.rejectUnauthorized,
    ...(bootstrap.tls.servername ? { tlsServerName: bootstrap.tls.servername } : {}),
    certKeyFile: certFile,
  });
  log.info(
    {
      csr: name,
      subject: leaf.subject.replace(/\n/g, ", "),
      validTo: leaf.validTo,
      kubeconfig: o.kubeconfig,
    },
    "client certificate issued; kubeconfig written",
  );
  return { bootstrapped: true, csrName: name, certFile };
}
