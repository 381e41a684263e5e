import assert from "node:assert/strict";
import { test } from "node:test";
import type { Secret } from "../../../agent/api/config-objects.ts";
import {
  credentialsForImage,
  imageRepository,
  keyMatches,
  keyringFromSecret,
  keyringKey,
} from "../../../agent/pod/registry-auth.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const dockerConfigJson = (auths: Record<string, object>): Secret => ({
  metadata: { name: "regcred" },
  type: "kubernetes.io/dockerconfigjson",
  data: { ".dockerconfigjson": b64(JSON.stringify({ auths })) },
});

test("image repositories are normalized like docker references", () => {
  assert.equal(imageRepository("busybox"), "docker.io/library/busybox");
  assert.equal(imageRepository("busybox:1.36"), "docker.io/library/busybox");
  assert.equal(imageRepository("team/app:v1"), "docker.io/team/app");
  assert.equal(imageRepository("index.docker.io/team/app"), "docker.io/team/app");
  assert.equal(imageRepository("reg.example.com:5000/a/b:v2@sha256:abc"), "reg.example.com:5000/a/b");
  assert.equal(imageRepository("localhost/app"), "localhost/app");
});

test("keyring keys drop the scheme and /v1/ /v2/", () => {
  assert.equal(keyringKey("https://index.docker.io/v1/"), "index.docker.io");
  assert.equal(keyringKey("reg.example.com:5000"), "reg.example.com:5000");
  assert.equal(keyringKey("http://reg.example.com/v2/team/"), "reg.example.com/team");
});

test("matching: host parts with globs, same port, path prefix", () => {
  assert.ok(keyMatches("reg.example.com", "reg.example.com/a/b"));
  assert.ok(keyMatches("*.example.com", "reg.example.com/a"));
  assert.ok(!keyMatches("*.example.com", "example.com/a"));
  assert.ok(!keyMatches("reg.example.com", "reg.example.com:5000/a"));
  assert.ok(keyMatches("reg.example.com:5000/team", "reg.example.com:5000/team/app"));
  assert.ok(!keyMatches("reg.example.com/team", "reg.example.com/other/app"));
});

test("dockerconfigjson: credentials for the matching registry, most specific first; auth decoded", () => {
  const ring = keyringFromSecret(
    dockerConfigJson({
      "reg.example.com": { username: "u1", password: "p1" },
      "reg.example.com/team": { auth: b64("u2:p:2") },
      "other.example.com": { username: "x", password: "y" },
    }),
  );
  const creds = credentialsForImage("reg.example.com/team/app:v1", [ring]);
  assert.deepEqual(
    creds.map((c) => [c.username, c.password, c.serverAddress]),
    [
      ["u2", "p:2", "reg.example.com/team"],
      ["u1", "p1", "reg.example.com"],
    ],
  );
  assert.deepEqual(credentialsForImage("quay.io/app", [ring]), []);
});

test("Docker Hub images use an index.docker.io entry; dockercfg secrets too", () => {
  const cfg: Secret = {
    metadata: { name: "old" },
    type: "kubernetes.io/dockercfg",
    data: {
      ".dockercfg": b64(
        JSON.stringify({ "https://index.docker.io/v1/": { username: "hub", password: "pw" } }),
      ),
    },
  };
  const creds = credentialsForImage("busybox:latest", [keyringFromSecret(cfg)]);
  assert.deepEqual(
    creds.map((c) => c.username),
    ["hub"],
  );
  assert.deepEqual(credentialsForImage("reg.example.com/busybox", [keyringFromSecret(cfg)]), []);
});

test("other secret types and broken JSON give no credentials", () => {
  assert.deepEqual(
    keyringFromSecret({ metadata: {}, type: "Opaque", data: { ".dockerconfigjson": b64("{}") } }),
    [],
  );
  assert.deepEqual(
    keyringFromSecret({
      metadata: {},
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": b64("{") },
    }),
    [],
  );
});
