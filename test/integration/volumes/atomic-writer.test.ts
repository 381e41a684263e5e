// The atomic writer on a real filesystem, and what these volume kinds do without an API server.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import { writeAtomically } from "../../../agent/volumes/atomic-writer.ts";
import { volumePlugins } from "../../../agent/volumes/pod-volumes.ts";
import type { Payload } from "../../../agent/volumes/projection.ts";
import { VolumeManager } from "../../../agent/volumes/volume-manager.ts";

const tmp = await mkdtemp(join(tmpdir(), "nodelet-atomic-"));
after(() => rm(tmp, { recursive: true, force: true }));

const payload = (files: Record<string, string>): Payload =>
  new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode: 0o644 }]));

test("writes, skips when unchanged, swaps ..data on change and drops removed keys", async () => {
  const dir = join(tmp, "vol");
  await mkdir(dir);
  assert.equal(await writeAtomically(dir, payload({ a: "1", "d/b": "2" })), true);
  const first = await readlink(join(dir, "..data"));
  assert.equal(await readlink(join(dir, "d")), "..data/d");
  assert.equal(await readFile(join(dir, "d/b"), "utf8"), "2");

  assert.equal(await writeAtomically(dir, payload({ a: "1", "d/b": "2" })), false);
  assert.equal(await readlink(join(dir, "..data")), first);

  assert.equal(await writeAtomically(dir, payload({ a: "changed" })), true);
  const second = await readlink(join(dir, "..data"));
  assert.notEqual(second, first);
  assert.deepEqual((await readdir(dir)).sort(), ["..data", second, "a"].sort());
  assert.equal(await readFile(join(dir, "a"), "utf8"), "changed");
});

test("paths leaving the volume are refused before anything is written", async () => {
  const dir = join(tmp, "bad");
  await mkdir(dir);
  await assert.rejects(writeAtomically(dir, payload({ "../x": "1" })), /must not start with '\.\.'/);
  assert.deepEqual(await readdir(dir), []);
});

test("standalone: downwardAPI works, configMap/secret/token volumes fail naming pod and volume", async () => {
  const vm = new VolumeManager({
    rootDir: join(tmp, "kubelet"),
    logger: silentLogger(),
    plugins: volumePlugins(),
  });
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid: "u-standalone", labels: { a: "b" } },
    spec: {
      containers: [{ name: "c", image: "x" }],
      volumes: [
        {
          name: "meta",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
      ],
    },
  };
  const vols = await vm.setUp(pod);
  assert.equal(await readFile(join(vols.get("meta")!.hostPath, "labels"), "utf8"), 'a="b"');

  pod.spec.volumes!.push({ name: "cfg", configMap: { name: "app" } });
  await assert.rejects(
    vm.setUp(pod),
    new RegExp(
      'cannot set up volumes of pod default/p: volume "cfg": cannot get configMap "app" in namespace "default": ' +
        "nodelet runs without an API server \\(standalone mode\\)",
    ),
  );
  await vm.tearDown("u-standalone");
});
