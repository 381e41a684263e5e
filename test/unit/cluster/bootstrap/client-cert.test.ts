import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { clientKubeconfigProblem } from "../../../../agent/cluster/bootstrap/client-cert.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "nodelet-client-cert-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => join(dir, name);

/** A self-signed certificate for key.pem valid from..to (openssl ca: x509 cannot date backwards). */
async function cert(name: string, from: string, to: string): Promise<string> {
  await run("openssl", [
    "req",
    "-new",
    "-key",
    f("key.pem"),
    "-subj",
    "/O=system:nodes/CN=system:node:n",
    "-out",
    f(`${name}.csr`),
  ]);
  await run("openssl", [
    "ca",
    "-batch",
    "-config",
    f("ca.cnf"),
    "-selfsign",
    "-keyfile",
    f("key.pem"),
    "-in",
    f(`${name}.csr`),
    "-startdate",
    from,
    "-enddate",
    to,
    "-notext",
    "-out",
    f(`${name}.crt`),
  ]);
  return readFileSync(f(`${name}.crt`), "utf8");
}

function kubeconfig(name: string, user: Record<string, string>): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const userYaml = Object.entries(user)
    .map(([k, v]) => `    ${k}: ${k.endsWith("-data") ? b64(v) : v}`)
    .join("\n");
  writeFileSync(
    f(name),
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user:
${userYaml}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`,
  );
  return f(name);
}

let valid = "";
let expired = "";
let key = "";
before(async () => {
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("key.pem")]);
  key = readFileSync(f("key.pem"), "utf8");
  writeFileSync(f("index.txt"), "");
  writeFileSync(f("serial"), "01\n");
  writeFileSync(
    f("ca.cnf"),
    `[ca]\ndefault_ca=d\n[d]\ndir=${dir}\ndatabase=$dir/index.txt\nnew_certs_dir=$dir\nserial=$dir/serial\n` +
      "default_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\norganizationName=optional\n",
  );
  valid = await cert("valid", "20200101000000Z", "20991231000000Z");
  expired = await cert("expired", "20200101000000Z", "20200102000000Z");
});

test("a kubeconfig with a current client certificate is used as it is", () => {
  const path = kubeconfig("ok", { "client-certificate-data": valid, "client-key-data": key });
  assert.equal(clientKubeconfigProblem(path), undefined);
  // Judged against the time given: the same certificate after its end.
  assert.match(clientKubeconfigProblem(path, new Date("2100-01-01")) ?? "", /expired/);
});

test("missing, unreadable, token-only, garbage or expired: bootstrap needed", () => {
  assert.match(clientKubeconfigProblem(f("absent")) ?? "", /does not exist/);
  writeFileSync(f("notyaml"), "{{{");
  assert.ok(clientKubeconfigProblem(f("notyaml")));
  assert.match(clientKubeconfigProblem(kubeconfig("token", { token: "abc" })) ?? "", /no client certificate/);
  const garbage = kubeconfig("garbage", {
    "client-certificate-data": "not a certificate",
    "client-key-data": key,
  });
  assert.match(clientKubeconfigProblem(garbage) ?? "", /no PEM certificate/);
  const broken = kubeconfig("broken", {
    "client-certificate-data": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "client-key-data": key,
  });
  assert.match(clientKubeconfigProblem(broken) ?? "", /client certificate/);
  const old = kubeconfig("old", { "client-certificate-data": expired, "client-key-data": key });
  assert.match(clientKubeconfigProblem(old) ?? "", /expired/);
  // One expired certificate in the chain is enough.
  const chain = kubeconfig("chain", { "client-certificate-data": valid + expired, "client-key-data": key });
  assert.match(clientKubeconfigProblem(chain) ?? "", /expired/);
  // A certificate file that is gone.
  const lost = kubeconfig("lost", { "client-certificate": f("nope.crt"), "client-key": f("key.pem") });
  assert.match(clientKubeconfigProblem(lost) ?? "", /nope\.crt/);
});
