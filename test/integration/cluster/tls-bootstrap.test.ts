// TLS bootstrapping against a real kube-apiserver: the node starts from a bootstrap kubeconfig
// (a ServiceAccount token bound to system:node-bootstrapper, as `kubeadm join` would give a
// bootstrap token) and ends with its own client certificate. No kube-controller-manager runs, so
// the test approves (`kubectl certificate approve`/`deny`) and signs (openssl with the test CA,
// written to the CSR's status subresource) as the controllers would.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { ApiClient } from "../../../agent/cluster/api-client.ts";
import {
  CSR_PATH,
  type CertificateSigningRequest,
  type CsrList,
  KUBELET_CLIENT_SIGNER,
} from "../../../agent/cluster/bootstrap/csr-object.ts";
import { CsrRejectedError } from "../../../agent/cluster/bootstrap/csr-wait.ts";
import {
  type ClientKubeconfigOptions,
  ensureClientKubeconfig,
} from "../../../agent/cluster/bootstrap/tls-bootstrap.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { createLogger, silentLogger } from "../../../agent/log.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";
import { nextCsr, approveAndSign as signCsr, writeBootstrapKubeconfig } from "../../harness/csr-signer.ts";
import { datedSelfSignedCert } from "../../harness/dated-cert.ts";

const run = promisify(execFile);
const log = process.env.NODELET_TEST_LOG ? createLogger("debug") : silentLogger();

let cp: ControlPlaneHandle;
let admin: ApiClient;
let dir: string;
let bootstrapKubeconfig: string;
/** Aborts whatever bootstrap a failed test left waiting. */
const leftovers = new AbortController();

before(async () => {
  cp = await startControlPlane();
  admin = new ApiClient(loadKubeconfig(cp.adminKubeconfig));
  dir = mkdtempSync(join(tmpdir(), "nodelet-tls-bootstrap-"));
  bootstrapKubeconfig = await writeBootstrapKubeconfig(cp, dir);
});

after(async () => {
  leftovers.abort();
  admin?.close();
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Options for a node with its own kubeconfig path and cert dir. */
function nodeOptions(
  nodeName: string,
  extra: Partial<ClientKubeconfigOptions> = {},
): ClientKubeconfigOptions {
  return {
    kubeconfig: join(dir, nodeName, "kubelet.kubeconfig"),
    bootstrapKubeconfig,
    certDir: join(dir, nodeName, "pki"),
    nodeName,
    log,
    timeoutMs: 20_000,
    signal: leftovers.signal,
    ...extra,
  };
}

async function csrNames(): Promise<Set<string>> {
  const list = await admin.get<CsrList>(CSR_PATH);
  return new Set(list.items.map((c) => c.metadata.name!));
}

async function waitForNewCsr(known: Set<string>): Promise<string> {
  return (await nextCsr(admin, known)).csr.metadata.name!;
}

function getCsr(name: string): Promise<CertificateSigningRequest> {
  return admin.get<CertificateSigningRequest>(`${CSR_PATH}/${name}`);
}

const approveAndSign = (name: string) => signCsr(cp, admin, name);

/** Who the API server says the kubeconfig's holder is. */
async function whoAmI(kubeconfig: string): Promise<{ username: string; groups: string[] }> {
  const client = new ApiClient(loadKubeconfig(kubeconfig));
  try {
    const review = await client.create<{ status: { userInfo: { username: string; groups: string[] } } }>(
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    return review.status.userInfo;
  } finally {
    client.close();
  }
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe("TLS bootstrapping with --bootstrap-kubeconfig", () => {
  it("files a CSR for system:node:<name>, and once signed writes a kubeconfig that authenticates as the node", async () => {
    const o = nodeOptions("boot-a");
    const known = await csrNames();
    const pending = ensureClientKubeconfig(o);
    const name = await waitForNewCsr(known);
    assert.match(name, /^node-csr-[A-Za-z0-9_-]{43}$/);

    const csr = await getCsr(name);
    assert.equal(csr.spec.signerName, KUBELET_CLIENT_SIGNER);
    assert.deepEqual(csr.spec.usages, ["digital signature", "client auth"]);
    assert.equal(csr.spec.username, "system:serviceaccount:kube-system:bootstrapper");
    const reqFile = join(dir, "boot-a.csr");
    writeFileSync(reqFile, Buffer.from(csr.spec.request, "base64"));
    const { stdout } = await run("openssl", ["req", "-in", reqFile, "-noout", "-subject"]);
    assert.match(stdout, /subject=O\s*=\s*system:nodes, CN\s*=\s*system:node:boot-a/);
    const keyFile = join(o.certDir, "kubelet-client.key.tmp");
    assert.equal(mode(keyFile), 0o600);
    const key = readFileSync(keyFile, "utf8");

    await approveAndSign(name);
    const result = await pending;
    assert.deepEqual(result, {
      bootstrapped: true,
      csrName: name,
      certFile: join(o.certDir, "kubelet-client-current.pem"),
    });

    assert.equal(existsSync(keyFile), false, "the pending key is gone once the certificate is stored");
    assert.ok(lstatSync(result.certFile!).isSymbolicLink());
    assert.equal(mode(result.certFile!), 0o600);
    const pem = readFileSync(result.certFile!, "utf8");
    assert.ok(pem.includes(key.trim()), "the stored pair holds the key the request was made with");
    assert.equal(new X509Certificate(pem).subject, "O=system:nodes\nCN=system:node:boot-a");
    assert.equal(mode(o.kubeconfig), 0o600);
    const conn = loadKubeconfig(o.kubeconfig);
    assert.equal(conn.server, cp.apiServerURL);
    assert.equal(conn.describe.includes("user default-auth"), true);

    const me = await whoAmI(o.kubeconfig);
    assert.equal(me.username, "system:node:boot-a");
    assert.ok(me.groups.includes("system:nodes"), `groups ${me.groups.join(",")}`);

    // Started again with the kubeconfig in place: nothing to do, nothing filed.
    const before = readFileSync(o.kubeconfig, "utf8");
    const namesBefore = await csrNames();
    assert.deepEqual(await ensureClientKubeconfig(o), { bootstrapped: false });
    assert.deepEqual(await csrNames(), namesBefore);
    assert.equal(readFileSync(o.kubeconfig, "utf8"), before);
  });

  it("a restart while waiting reuses the key and finds the same CSR", async () => {
    const first = new AbortController();
    const o = nodeOptions("boot-b");
    const known = await csrNames();
    const waiting = ensureClientKubeconfig({
      ...o,
      signal: AbortSignal.any([first.signal, leftovers.signal]),
    });
    const name = await waitForNewCsr(known);
    const key = readFileSync(join(o.certDir, "kubelet-client.key.tmp"), "utf8");
    first.abort();
    await assert.rejects(waiting, { name: "AbortError" });
    assert.equal(readFileSync(join(o.certDir, "kubelet-client.key.tmp"), "utf8"), key, "the key survives");

    const again = ensureClientKubeconfig(o);
    await sleep(300);
    assert.deepEqual(await csrNames(), new Set([...known, name]), "no second CSR");
    await approveAndSign(name);
    const result = await again;
    assert.equal(result.csrName, name);
    assert.ok(readFileSync(result.certFile!, "utf8").includes(key.trim()));
    assert.equal((await whoAmI(o.kubeconfig)).username, "system:node:boot-b");
  });

  it("a denied CSR ends with an error naming it and the reason; nothing is written", async () => {
    const o = nodeOptions("boot-c");
    const known = await csrNames();
    const pending = ensureClientKubeconfig(o);
    const name = await waitForNewCsr(known);
    // Judged from the start: the rejection may come before kubectl returns.
    const judged = assert.rejects(pending, (err: Error) => {
      assert.ok(err instanceof CsrRejectedError, String(err));
      assert.match(
        err.message,
        new RegExp(`CertificateSigningRequest ${name} was denied: reason KubectlDeny`),
      );
      return true;
    });
    await cp.kubectl(["certificate", "deny", name]);
    await judged;
    assert.equal(existsSync(o.kubeconfig), false);
    assert.equal(existsSync(join(o.certDir, "kubelet-client-current.pem")), false);
  });

  it("no approval within the timeout: an error naming the CSR and how to approve it", async () => {
    const o = nodeOptions("boot-d", { timeoutMs: 1500 });
    const started = Date.now();
    await assert.rejects(
      ensureClientKubeconfig(o),
      /no certificate for CertificateSigningRequest node-csr-\S+ within 2s: .*kubectl certificate approve node-csr-/,
    );
    assert.ok(Date.now() - started < 5000);
  });

  /** A kubeconfig at o.kubeconfig holding this client pair; then bootstrapping replaces it. */
  async function bootstrapsOver(nodeName: string, certPem: string, keyPem: string): Promise<void> {
    const o = nodeOptions(nodeName);
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    mkdirSync(join(dir, nodeName), { recursive: true });
    writeFileSync(
      o.kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${cp.apiServerURL}", certificate-authority-data: ${b64(readFileSync(cp.caFile, "utf8"))}}
users:
- name: u
  user: {client-certificate-data: ${b64(certPem)}, client-key-data: ${b64(keyPem)}}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`,
    );
    const known = await csrNames();
    const pending = ensureClientKubeconfig(o);
    await approveAndSign(await waitForNewCsr(known));
    assert.equal((await pending).bootstrapped, true);
    assert.equal((await whoAmI(o.kubeconfig)).username, `system:node:${nodeName}`);
  }

  it("an expired client certificate in the kubeconfig triggers bootstrapping", async () => {
    const old = await datedSelfSignedCert(
      "/O=system:nodes/CN=system:node:boot-e",
      "20200101000000Z",
      "20200102000000Z",
    );
    await bootstrapsOver("boot-e", old.certPem, old.keyPem);
  });

  it("a garbage client certificate in the kubeconfig triggers bootstrapping", async () => {
    await bootstrapsOver("boot-f", "garbage", "garbage");
  });
});
