// TLS bootstrapping in tests: a bootstrap kubeconfig (a ServiceAccount token bound to
// system:node-bootstrapper, standing in for kubeadm's bootstrap token) and, since no
// kube-controller-manager runs, its CSR approver and signer done by hand through the real API:
// `kubectl certificate approve`, then the request signed with the test CA by openssl and written
// to the CSR's status subresource.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiClient } from "../../agent/cluster/api-client.ts";
import {
  CSR_PATH,
  type CertificateSigningRequest,
  type CsrList,
} from "../../agent/cluster/bootstrap/csr-object.ts";
import type { ControlPlaneHandle } from "./control-plane.ts";
import { signWithCaForDates } from "./dated-cert.ts";

/** Writes `<dir>/bootstrap.kubeconfig` for `server` (default the API server itself); returns its path. */
export async function writeBootstrapKubeconfig(
  cp: ControlPlaneHandle,
  dir: string,
  server: string = cp.apiServerURL,
): Promise<string> {
  const exists = await cp.kubectl([
    "get",
    "serviceaccount",
    "bootstrapper",
    "-n",
    "kube-system",
    "--ignore-not-found",
  ]);
  if (!exists.trim()) {
    await cp.kubectl(["create", "serviceaccount", "bootstrapper", "-n", "kube-system"]);
    await cp.kubectl([
      "create",
      "clusterrolebinding",
      "nodelet-test-bootstrapper",
      "--clusterrole=system:node-bootstrapper",
      "--serviceaccount=kube-system:bootstrapper",
    ]);
  }
  const token = (await cp.kubectl(["create", "token", "bootstrapper", "-n", "kube-system"])).trim();
  const path = join(dir, "bootstrap.kubeconfig");
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    server: ${server}
    certificate-authority-data: ${readFileSync(cp.caFile).toString("base64")}
users:
- name: tls-bootstrap-token-user
  user:
    token: ${token}
contexts:
- name: bootstrap
  context: {cluster: cluster, user: tls-bootstrap-token-user}
current-context: bootstrap
`,
    { mode: 0o600 },
  );
  return path;
}

const CLIENT_CERT_EXTENSIONS =
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";

/**
 * What kube-controller-manager's approver and signer would do with CSR `name`. The certificate
 * is valid for a day, or exactly for `validity` (a short-lived one, say).
 */
export async function approveAndSign(
  cp: ControlPlaneHandle,
  admin: ApiClient,
  name: string,
  validity: { from: Date; to: Date } = { from: new Date(), to: new Date(Date.now() + 86_400_000) },
): Promise<void> {
  await cp.kubectl(["certificate", "approve", name]);
  const csr = await admin.get<CertificateSigningRequest>(`${CSR_PATH}/${name}`);
  const certPem = await signWithCaForDates({
    requestPem: Buffer.from(csr.spec.request, "base64").toString("utf8"),
    caCertFile: cp.caFile,
    caKeyFile: join(cp.dir, "ca.key"),
    extensions: CLIENT_CERT_EXTENSIONS,
    ...validity,
  });
  csr.status = { ...csr.status, certificate: Buffer.from(certPem).toString("base64") };
  await admin.update(`${CSR_PATH}/${name}/status`, csr);
}

/**
 * Polls (every 100 ms, for timing assertions) until one CSR not in `known` (by `username`, when
 * given) exists; throws when more than one appeared or none in time. seenAt: when it was seen.
 */
export async function nextCsr(
  admin: ApiClient,
  known: Set<string>,
  o: { username?: string; timeoutMs?: number } = {},
): Promise<{ csr: CertificateSigningRequest; seenAt: number }> {
  const by = o.username ? ` by ${o.username}` : "";
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  for (;;) {
    const list = await admin.get<CsrList>(CSR_PATH);
    const fresh = list.items.filter(
      (c) => !known.has(c.metadata.name!) && (o.username === undefined || c.spec.username === o.username),
    );
    if (fresh.length > 1)
      throw new Error(`more than one new CSR${by}: ${fresh.map((c) => c.metadata.name).join(", ")}`);
    if (fresh[0]) return { csr: fresh[0], seenAt: Date.now() };
    if (Date.now() > deadline) throw new Error(`no CertificateSigningRequest${by} appeared`);
    await sleep(100);
  }
}
