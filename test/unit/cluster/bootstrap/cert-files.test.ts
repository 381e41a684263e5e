import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { certTimestamp, storeClientCert } from "../../../../agent/cluster/bootstrap/cert-store.ts";
import {
  renderClientKubeconfig,
  writeClientKubeconfig,
} from "../../../../agent/cluster/bootstrap/client-kubeconfig.ts";
import { loadOrGenerateKey } from "../../../../agent/cluster/bootstrap/key-file.ts";
import { loadKubeconfig } from "../../../../agent/cluster/kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "nodelet-cert-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

test("the pending key is generated once (0600) and reused; an unusable one is replaced", async () => {
  const path = join(dir, "kubelet-client.key.tmp");
  const first = await loadOrGenerateKey(path);
  assert.equal(first.reused, false);
  assert.equal(mode(path), 0o600);
  assert.match(readFileSync(path, "utf8"), /BEGIN EC PRIVATE KEY/);
  const again = await loadOrGenerateKey(path);
  assert.equal(again.reused, true);
  assert.equal(again.pem, first.pem);

  const why: string[] = [];
  writeFileSync(path, "garbage");
  const fresh = await loadOrGenerateKey(path, (w) => why.push(w));
  assert.equal(fresh.reused, false);
  assert.equal(why.length, 1);
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
  writeFileSync(path, rsa.export({ type: "pkcs8", format: "pem" }));
  assert.equal((await loadOrGenerateKey(path, (w) => why.push(w))).reused, false);
  assert.match(why[1] ?? "", /rsa key/);
});

test("certificate and key go to a timestamped 0600 file behind the relative current link", async () => {
  assert.equal(certTimestamp(new Date("2026-12-07T18:05:09.123Z")), "2026-12-07-18-05-09");
  const now = new Date("2026-12-07T18:05:09Z");
  const current = await storeClientCert(dir, "CERT\n", "KEY\n", now);
  assert.equal(current, join(dir, "kubelet-client-current.pem"));
  assert.ok(lstatSync(current).isSymbolicLink());
  assert.equal(readlinkSync(current), "kubelet-client-2026-12-07-18-05-09.pem");
  assert.equal(readFileSync(current, "utf8"), "CERT\nKEY\n");
  assert.equal(mode(current), 0o600);
  // A renewal moves the link.
  await storeClientCert(dir, "CERT2", "KEY2", new Date("2026-12-08T00:00:00Z"));
  assert.equal(readlinkSync(current), "kubelet-client-2026-12-08-00-00-00.pem");
  assert.equal(readFileSync(current, "utf8"), "CERT2\nKEY2\n");
});

test("the written kubeconfig: bootstrap cluster, user default-auth with the current pem for both", async () => {
  const spec = {
    server: "https://10.0.0.1:6443",
    caData: Buffer.from("CA"),
    certKeyFile: "/pki/current.pem",
  };
  const doc = parse(renderClientKubeconfig(spec));
  assert.deepEqual(doc.clusters, [
    {
      name: "default-cluster",
      cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": "Q0E=" },
    },
  ]);
  assert.deepEqual(doc.users, [
    {
      name: "default-auth",
      user: { "client-certificate": "/pki/current.pem", "client-key": "/pki/current.pem" },
    },
  ]);
  assert.equal(doc["current-context"], "default-context");
  const insecure = parse(
    renderClientKubeconfig({ ...spec, insecureSkipTLSVerify: true, tlsServerName: "api" }),
  );
  assert.equal(insecure.clusters[0].cluster["insecure-skip-tls-verify"], true);
  assert.equal(insecure.clusters[0].cluster["tls-server-name"], "api");

  // Loadable by the agent, certificate and key both read from the one file.
  const pem = join(dir, "pair.pem");
  writeFileSync(pem, "CERT+KEY");
  const path = join(dir, "kubelet.kubeconfig");
  await writeClientKubeconfig(path, { ...spec, certKeyFile: pem });
  assert.equal(mode(path), 0o600);
  const conn = loadKubeconfig(path);
  assert.equal(conn.server, "https://10.0.0.1:6443");
  assert.equal(String(conn.tls.cert), "CERT+KEY");
  assert.equal(String(conn.tls.key), "CERT+KEY");
  assert.equal(String(conn.tls.ca), "CA");
  // Where they came from: rotation renews only the pair it keeps itself.
  assert.equal(conn.clientCertFile, pem);
  assert.equal(conn.clientKeyFile, pem);
});
