// Client certificate rotation against a real kube-apiserver: a node bootstrapped with a
// certificate that lives only seconds files a renewal request with its own identity at the chosen
// point of that lifetime, retries after a denial with a new key, and once signed stores the new
// pair, moves kubelet-client-current.pem and keeps talking to the API server through the same
// client after the old certificate expired (the server rejects the old one by then). No
// kube-controller-manager runs: the test denies, approves and signs as its controllers would.
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient, isApiError } from "../../../agent/cluster/api-client.ts";
import {
  type CertRotation,
  managesClientCert,
  startClientCertRotation,
} from "../../../agent/cluster/bootstrap/cert-rotation.ts";
import { parseCertificates } from "../../../agent/cluster/bootstrap/client-cert.ts";
import { csrFromPem, requestInfoOf } from "../../../agent/cluster/bootstrap/csr-der.ts";
import {
  CSR_PATH,
  type CertificateSigningRequest,
  KUBELET_CLIENT_SIGNER,
} from "../../../agent/cluster/bootstrap/csr-object.ts";
import { children, readElement } from "../../../agent/cluster/bootstrap/der.ts";
import { rotationDeadline } from "../../../agent/cluster/bootstrap/rotation-schedule.ts";
import { ensureClientKubeconfig } from "../../../agent/cluster/bootstrap/tls-bootstrap.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { createLogger, silentLogger } from "../../../agent/log.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { approveAndSign, nextCsr, writeBootstrapKubeconfig } from "../../harness/csr-signer.ts";

const log = process.env.NODELET_TEST_LOG ? createLogger("debug") : silentLogger();
const NODE = "rotating-node";
const NODE_USER = `system:node:${NODE}`;
/** Renew at 80 % of the lifetime (the 70–90 % spread is unit-tested). */
const RANDOM = 0.5;

let cp: ControlPlaneHandle;
let admin: ApiClient;
let dir: string;
const clients: ApiClient[] = [];
let rotation: CertRotation | undefined;
const leftovers = new AbortController();

before(async () => {
  cp = await startControlPlane();
  admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
  dir = mkdtempSync(join(tmpdir(), "nodelet-cert-rotation-"));
});

after(async () => {
  leftovers.abort();
  await rotation?.stop();
  for (const c of clients) c.close();
  admin?.close();
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function whoAmI(client: ApiClient): Promise<string> {
  const review = await client.create<{ status: { userInfo: { username: string } } }>(
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  );
  return review.status.userInfo.username;
}

/** The public key (SubjectPublicKeyInfo DER) a CertificateSigningRequest asks a certificate for. */
function requestedKey(csr: CertificateSigningRequest): Buffer {
  const info = requestInfoOf(csrFromPem(Buffer.from(csr.spec.request, "base64").toString("utf8")));
  const spki = children(info, readElement(info))[2];
  assert.ok(spki, "CertificationRequestInfo without a public key");
  return info.subarray(spki.start, spki.end);
}

const certKey = (cert: X509Certificate) => cert.publicKey.export({ type: "spki", format: "der" });

it("renews the client certificate at its deadline with the node's own identity, retries a denial, and uses the new one", async () => {
  const certDir = join(dir, "pki");
  const kubeconfig = join(dir, "kubelet.kubeconfig");
  const bootstrapKubeconfig = await writeBootstrapKubeconfig(cp, dir);

  // Bootstrap with a certificate that started 20 s ago and ends in 12 s: renewal at 80 % is ~6 s away.
  const bootstrapUser = "system:serviceaccount:kube-system:bootstrapper";
  const bootstrapping = ensureClientKubeconfig({
    kubeconfig,
    bootstrapKubeconfig,
    certDir,
    nodeName: NODE,
    log,
    timeoutMs: 20_000,
    signal: leftovers.signal,
  });
  const { csr: bootCsr } = await nextCsr(admin, new Set(), { username: bootstrapUser, timeoutMs: 10_000 });
  const t0 = Date.now();
  await approveAndSign(cp, admin, bootCsr.metadata.name!, {
    from: new Date(t0 - 20_000),
    to: new Date(t0 + 12_000),
  });
  const { certFile } = await bootstrapping;
  const current = join(certDir, "kubelet-client-current.pem");
  assert.equal(certFile, current);
  const firstTarget = readlinkSync(current);
  const firstPem = readFileSync(current, "utf8");
  const [oldCert] = parseCertificates(firstPem);
  assert.ok(oldCert);
  const renewAt = rotationDeadline(
    { notBefore: oldCert.validFromDate, notAfter: oldCert.validToDate },
    RANDOM,
  );
  const kubeconfigText = readFileSync(kubeconfig, "utf8");

  const conn = loadKubeconfig(kubeconfig);
  assert.equal(
    managesClientCert(conn, certDir),
    true,
    "the daemon would rotate this kubeconfig's certificate",
  );
  const client = new ApiClient(conn, `nodelet/${NODE}`);
  clients.push(client);
  // A keep-alive connection made with the old certificate, which the renewal must not leave in use.
  assert.equal(await whoAmI(client), NODE_USER);

  rotation = startClientCertRotation({
    client,
    certDir,
    nodeName: NODE,
    log,
    signal: leftovers.signal,
    random: () => RANDOM,
  });

  // The renewal request: filed by the node itself at the deadline, for a new key.
  const first = await nextCsr(admin, new Set(), { username: NODE_USER, timeoutMs: 15_000 });
  assert.ok(
    first.seenAt >= renewAt.getTime() - 200 && first.seenAt <= renewAt.getTime() + 2000,
    `filed ${first.seenAt - renewAt.getTime()} ms after the deadline ${renewAt.toISOString()}`,
  );
  assert.equal(first.csr.spec.signerName, KUBELET_CLIENT_SIGNER);
  assert.deepEqual(first.csr.spec.usages, ["digital signature", "client auth"]);
  assert.ok(first.csr.spec.groups?.includes("system:nodes"), `groups ${first.csr.spec.groups}`);
  assert.equal(certKey(oldCert).equals(requestedKey(bootCsr)), true);
  assert.equal(requestedKey(first.csr).equals(certKey(oldCert)), false, "a new key");

  // Denied: the node files again after its first back-off (2 s), with another key.
  await cp.kubectl(["certificate", "deny", first.csr.metadata.name!]);
  const deniedAt = Date.now();
  const second = await nextCsr(admin, new Set([first.csr.metadata.name!]), {
    username: NODE_USER,
    timeoutMs: 8000,
  });
  const retryMs = second.seenAt - deniedAt;
  assert.ok(retryMs >= 1800 && retryMs <= 5000, `refiled ${retryMs} ms after the denial`);
  assert.equal(requestedKey(second.csr).equals(requestedKey(first.csr)), false, "another new key");

  await approveAndSign(cp, admin, second.csr.metadata.name!);
  const stored = Date.now() + 5000;
  while (readlinkSync(current) === firstTarget) {
    if (Date.now() > stored) throw new Error("kubelet-client-current.pem was not moved");
    await sleep(50);
  }

  // The new pair: another file, certificate and key of a new key pair, the link moved to it.
  const newTarget = readlinkSync(current);
  assert.match(newTarget, /^kubelet-client-\d{4}(-\d\d){5}\.pem$/);
  assert.ok(lstatSync(current).isSymbolicLink());
  assert.equal(statSync(current).mode & 0o777, 0o600);
  const newPem = readFileSync(current, "utf8");
  const [newCert] = parseCertificates(newPem);
  assert.ok(newCert);
  assert.notEqual(newCert.serialNumber, oldCert.serialNumber);
  assert.equal(newCert.subject, `O=system:nodes\nCN=${NODE_USER}`);
  assert.ok(newCert.checkPrivateKey(createPrivateKey(newPem)), "the stored key is the new certificate's");
  assert.ok(certKey(newCert).equals(requestedKey(second.csr)), "the key of the approved request");
  const issued = Buffer.from(
    (await admin.get<CertificateSigningRequest>(`${CSR_PATH}/${second.csr.metadata.name}`)).status!
      .certificate!,
    "base64",
  ).toString("utf8");
  assert.equal(new X509Certificate(issued).serialNumber, newCert.serialNumber);
  assert.ok(existsSync(join(certDir, firstTarget)), "the previous pair is kept");
  assert.equal(readFileSync(kubeconfig, "utf8"), kubeconfigText, "the kubeconfig still names the link");

  // Once the old certificate has expired the server rejects it...
  const expired = oldCert.validToDate.getTime() + 1000 - Date.now();
  assert.ok(expired > -10_000, "the renewal finished long after the old certificate expired");
  await sleep(Math.max(0, expired));
  const stale = new ApiClient({ ...loadKubeconfig(kubeconfig), tls: { ...conn.tls } });
  clients.push(stale);
  await assert.rejects(whoAmI(stale), (err) => isApiError(err, 401));
  // ...while the node's client, switched to the new certificate, is still the node.
  assert.equal(await whoAmI(client), NODE_USER);
  // Started again, the kubeconfig holds the new pair.
  const restarted = new ApiClient(loadKubeconfig(kubeconfig));
  clients.push(restarted);
  assert.equal(await whoAmI(restarted), NODE_USER);
});
