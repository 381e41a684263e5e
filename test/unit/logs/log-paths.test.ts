import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  linkContainerLog,
  removeContainerLinks,
  removeDanglingContainerLinks,
} from "../../../agent/logs/container-log-links.ts";
import {
  containerLogLinkName,
  containerLogPath,
  containerLogRelPath,
  parseContainerLogLinkName,
  podLogDir,
} from "../../../agent/logs/log-paths.ts";

const tmp = await mkdtemp(join(tmpdir(), "nodelet-logpaths-"));
after(() => rm(tmp, { recursive: true, force: true }));

test("kubelet log layout", () => {
  const dir = podLogDir("/var/log/pods", "default", "web-0", "1234-abcd");
  assert.equal(dir, "/var/log/pods/default_web-0_1234-abcd");
  assert.equal(containerLogRelPath("nginx", 3), "nginx/3.log");
  assert.equal(containerLogPath(dir, "nginx", 0), "/var/log/pods/default_web-0_1234-abcd/nginx/0.log");
  const id = { podName: "web-0", namespace: "kube-system", containerName: "side-car", containerId: "ab12" };
  assert.equal(containerLogLinkName(id), "web-0_kube-system_side-car-ab12.log");
  assert.deepEqual(parseContainerLogLinkName(containerLogLinkName(id)), id);
  assert.equal(parseContainerLogLinkName("random.log"), undefined);
});

test("container log symlinks: create, replace, remove by selector, remove dangling", async () => {
  const logs = join(tmp, "containers");
  const target = join(tmp, "pods/ns_p_u/c/0.log");
  await mkdir(join(tmp, "pods/ns_p_u/c"), { recursive: true });
  await writeFile(target, "");
  const a = { podName: "p", namespace: "ns", containerName: "c", containerId: "aaa" };
  const link = await linkContainerLog(logs, a, target);
  assert.equal(await readlink(link), target);
  assert.equal(await linkContainerLog(logs, a, target), link); // replacing is fine
  const b = await linkContainerLog(logs, { ...a, containerId: "bbb" }, join(tmp, "gone.log"));
  const other = await linkContainerLog(logs, { ...a, podName: "q", containerId: "ccc" }, target);
  await writeFile(join(logs, "p_ns_c-ddd.log"), "a real file, not ours to delete");

  assert.deepEqual(await removeDanglingContainerLinks(logs), [b]);
  assert.deepEqual(await removeContainerLinks(logs, { namespace: "ns", podName: "p" }), [link]);
  assert.ok((await lstat(other)).isSymbolicLink());
  assert.ok((await lstat(join(logs, "p_ns_c-ddd.log"))).isFile());
  assert.deepEqual(await removeContainerLinks(logs, { containerId: "ccc" }), [other]);
  assert.deepEqual(await removeContainerLinks(join(tmp, "missing"), {}), []);
  await symlink(target, join(logs, "not-a-link-name"));
  assert.deepEqual(await removeContainerLinks(logs, {}), []);
});
