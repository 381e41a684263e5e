import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatManifestError, parseManifestFile } from "../../../agent/sources/manifest-parse.ts";
import { staticPodUid, toStaticPod } from "../../../agent/sources/static-pod.ts";

describe("parseManifestFile", () => {
  it("splits multi-document YAML and skips empty documents", () => {
    const r = parseManifestFile("/m/a.yaml", "kind: Pod\n---\n---\nkind: Service\n");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.objects.map((o) => [o.index, (o.object as { kind: string }).kind]),
      [
        [0, "Pod"],
        [2, "Service"],
      ],
    );
  });
  it("reads JSON and List items", () => {
    const r = parseManifestFile(
      "/m/a.json",
      JSON.stringify({ kind: "List", items: [{ kind: "Pod" }, { kind: "Pod" }] }),
    );
    assert.equal(r.objects.length, 2);
  });
  it("reports the file and document of a syntax error without losing the other documents", () => {
    const r = parseManifestFile("/m/b.yaml", "kind: Pod\n---\nkind: [Pod\n");
    assert.equal(r.objects.length, 1);
    assert.equal(r.errors[0]?.index, 1);
    assert.match(formatManifestError(r.errors[0]!), /^\/m\/b\.yaml \(document 2\): invalid YAML/);
    assert.match(
      formatManifestError(parseManifestFile("/m/c.json", "{").errors[0]!),
      /^\/m\/c\.json: invalid JSON/,
    );
  });
});

describe("static pods", () => {
  const pod = { metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "i" }] } };
  it("get a stable UID from content, node and file", () => {
    const a = staticPodUid(pod, "n1", "/m/a.yaml");
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.equal(staticPodUid(structuredClone(pod), "n1", "/m/a.yaml"), a);
    assert.notEqual(staticPodUid(pod, "n2", "/m/a.yaml"), a);
    assert.notEqual(staticPodUid(pod, "n1", "/m/b.yaml"), a);
  });
  it("are named <name>-<node> and carry the config annotations", () => {
    const s = toStaticPod(pod, "node1", "/m/a.yaml", "2026-01-01T00:00:00Z");
    assert.equal(s.metadata.name, "web-node1");
    assert.equal(s.metadata.namespace, "default");
    assert.equal(s.spec.nodeName, "node1");
    assert.equal(s.metadata.annotations?.["kubernetes.io/config.source"], "file");
    assert.equal(s.metadata.annotations?.["kubernetes.io/config.hash"], s.metadata.uid);
  });
});
