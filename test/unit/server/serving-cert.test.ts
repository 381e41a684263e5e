import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadServingCert } from "../../../agent/server/serving-cert.ts";
import { servingCertNames, subjectAltName } from "../../../agent/server/serving-cert-names.ts";

describe("servingCertNames", () => {
  it("host and node names as DNS names, addresses as IPs, each once, lower-cased", () => {
    const names = servingCertNames({
      hostname: "Worker-1",
      nodeName: "worker-1",
      addresses: ["10.0.0.5", "", "fd00::5", "10.0.0.5"],
      nowSeconds: 1700000000,
    });
    assert.deepEqual(names, {
      commonName: "worker-1@1700000000",
      dnsNames: ["worker-1"],
      ipAddresses: ["10.0.0.5", "fd00::5"],
    });
    assert.equal(subjectAltName(names), "DNS:worker-1,IP:10.0.0.5,IP:fd00::5");
  });

  it("keeps a node name that differs from the host name", () => {
    const names = servingCertNames({ hostname: "host", nodeName: "node-a", addresses: [], nowSeconds: 1 });
    assert.deepEqual(names.dnsNames, ["host", "node-a"]);
    assert.equal(names.commonName, "host@1");
  });
});

describe("loadServingCert", () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));
  const names = () =>
    servingCertNames({ hostname: "h1", nodeName: "n1", addresses: ["192.0.2.9"], nowSeconds: 1700000000 });

  it("generates a self-signed server certificate once into the pki dir, then reuses it", async () => {
    dir = await mkdtemp(join(tmpdir(), "nodelet-pki-"));
    const pkiDir = join(dir, "pki");
    const first = await loadServingCert({ tlsCertFile: "", tlsPrivateKeyFile: "", pkiDir, names });
    assert.equal(first.generated, true);
    assert.equal(first.certFile, join(pkiDir, "kubelet.crt"));
    const x = new X509Certificate(first.cert);
    assert.equal(x.subject, "CN=h1@1700000000");
    assert.equal(x.subjectAltName, "DNS:h1, DNS:n1, IP Address:192.0.2.9");
    assert.ok(x.checkHost("n1") && x.checkIP("192.0.2.9"));
    assert.ok(x.verify(x.publicKey), "self-signed");
    assert.equal(x.ca, false);
    assert.equal((await stat(join(pkiDir, "kubelet.key"))).mode & 0o777, 0o600);
    const again = await loadServingCert({ tlsCertFile: "", tlsPrivateKeyFile: "", pkiDir, names });
    assert.equal(again.generated, false);
    assert.deepEqual(again.cert, first.cert);
    assert.deepEqual(again.key, first.key);
  });

  it("uses the configured files, both or none", async () => {
    dir ??= await mkdtemp(join(tmpdir(), "nodelet-pki-"));
    await writeFile(join(dir, "tls.crt"), "CERT");
    await writeFile(join(dir, "tls.key"), "KEY");
    const given = await loadServingCert({
      tlsCertFile: join(dir, "tls.crt"),
      tlsPrivateKeyFile: join(dir, "tls.key"),
      pkiDir: join(dir, "unused"),
      names,
    });
    assert.deepEqual([given.cert.toString(), given.key.toString(), given.generated], ["CERT", "KEY", false]);
    await assert.rejects(
      loadServingCert({ tlsCertFile: join(dir, "tls.crt"), tlsPrivateKeyFile: "", pkiDir: dir, names }),
      /must be given together/,
    );
  });
});
