import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { clientKubeconfigProblem } from "../../../../agent/cluster/bootstrap/client-cert.ts";
import { datedSelfSignedCert } from "../../../harness/dated-cert.ts";

const dir = mkdtempSync(join(tmpdir(), "nodelet-client-cert-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => join(dir, name);

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
  const subject = "/O=system:nodes/CN=system:node:n";
  const current = await datedSelfSignedCert(subject, "20200101000000Z", "20991231000000Z");
  valid = current.certPem;
  key = current.keyPem;
  expired = (await datedSelfSignedCert(subject, "20200101000000Z", "20200102000000Z")).certPem;
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
