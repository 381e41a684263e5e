import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import {
  cleanPayload,
  cleanPayloadPath,
  configMapKeys,
  downwardAPIPayload,
  keyedPayload,
  type Payload,
  secretKeys,
} from "../../../agent/volumes/projection.ts";

const text = (p: Payload) =>
  Object.fromEntries([...p].map(([k, v]) => [k, `${v.data.toString()}@${v.mode.toString(8)}`]));

test("every key of a ConfigMap becomes a file with defaultMode; binaryData included", () => {
  const keys = configMapKeys({
    metadata: {},
    data: { "app.conf": "a=1\n", mode: "x" },
    binaryData: { blob: Buffer.from([0, 1, 2]).toString("base64") },
  });
  const p = keyedPayload({ kind: "configmap", name: "cfg", keys, defaultMode: 0o644 });
  assert.deepEqual([...p.keys()].sort(), ["app.conf", "blob", "mode"]);
  assert.equal(text(p)["app.conf"], "a=1\n@644");
  assert.deepEqual([...p.get("blob")!.data], [0, 1, 2]);
});

test("items map keys to paths with their own mode; only those keys are projected", () => {
  const keys = secretKeys({ metadata: {}, data: { user: btoa("admin"), pass: btoa("s3cret") } });
  const p = keyedPayload({
    kind: "secret",
    name: "creds",
    keys,
    items: [{ key: "pass", path: "db/password", mode: 0o400 }],
    defaultMode: 0o644,
  });
  assert.deepEqual(text(p), { "db/password": "s3cret@400" });
});

test("missing object or key: error unless optional", () => {
  assert.throws(
    () => keyedPayload({ kind: "configmap", name: "nope", keys: undefined, defaultMode: 0o644 }),
    { message: 'configmap "nope" not found' },
  );
  assert.equal(
    keyedPayload({ kind: "secret", name: "nope", keys: undefined, optional: true, defaultMode: 0o644 }).size,
    0,
  );
  const keys = new Map([["a", Buffer.from("1")]]);
  const items = [
    { key: "a", path: "a" },
    { key: "b", path: "b" },
  ];
  assert.throws(() => keyedPayload({ kind: "configmap", name: "c", keys, items, defaultMode: 0o644 }), {
    message: "configmap references non-existent config key: b",
  });
  assert.throws(() => keyedPayload({ kind: "secret", name: "c", keys, items, defaultMode: 0o644 }), {
    message: "secret references non-existent secret key: b",
  });
  assert.deepEqual(
    text(keyedPayload({ kind: "configmap", name: "c", keys, items, optional: true, defaultMode: 0o600 })),
    {
      a: "1@600",
    },
  );
});

test('downwardAPI: metadata fields, labels/annotations as sorted key="value" lines, resources', () => {
  const pod: Pod = {
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "u1",
      labels: { tier: "front", app: "web" },
      annotations: { note: 'say "hi"' },
    },
    spec: {
      nodeName: "n1",
      containers: [{ name: "app", image: "x", resources: { limits: { cpu: "250m", memory: "64Mi" } } }],
    },
  };
  const p = downwardAPIPayload(
    pod,
    [
      { path: "name", fieldRef: { fieldPath: "metadata.name" } },
      { path: "ns", fieldRef: { fieldPath: "metadata.namespace" } },
      { path: "labels", fieldRef: { fieldPath: "metadata.labels" }, mode: 0o400 },
      { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
      { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
      { path: "cpu", resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" } },
      { path: "mem", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
    ],
    0o644,
  );
  assert.deepEqual(text(p), {
    name: "web@644",
    ns: "shop@644",
    labels: 'app="web"\ntier="front"@400',
    annotations: 'note="say \\"hi\\""@644',
    tier: "front@644",
    cpu: "250@644",
    mem: "64@644",
  });
  assert.throws(
    () =>
      downwardAPIPayload(
        pod,
        [{ path: "x", resourceFieldRef: { containerName: "nope", resource: "limits.cpu" } }],
        0o644,
      ),
    /container nope not found/,
  );
});

test("payload paths stay inside the volume", () => {
  assert.equal(cleanPayloadPath("a/./b//c"), "a/b/c");
  assert.throws(() => cleanPayloadPath("/etc/passwd"), /must be relative/);
  assert.throws(() => cleanPayloadPath("a/../../x"), /must not contain '\.\.'/);
  assert.throws(() => cleanPayloadPath("..data"), /must not start with '\.\.'/);
  assert.throws(() => cleanPayloadPath(""), /must not be empty/);
  const p = cleanPayload(new Map([["./token", { data: Buffer.from("t"), mode: 0o644 }]]));
  assert.deepEqual([...p.keys()], ["token"]);
});
