// Real filesystem and real tmpfs mounts under a temporary root; every mount is undone in `after`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Pod, Volume } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import { containerMounts, ensureSubPaths } from "../../../agent/volumes/container-mounts.ts";
import { writeEtcHosts } from "../../../agent/volumes/etc-hosts.ts";
import { listMounts, mountsUnder } from "../../../agent/volumes/mounts.ts";
import { PodVolumeMounter } from "../../../agent/volumes/pod-volume-mounter.ts";
import {
  createTerminationLog,
  readTerminationMessage,
  terminationLogPath,
} from "../../../agent/volumes/termination-log.ts";
import { VolumeManager } from "../../../agent/volumes/volume-manager.ts";

const tmp = await mkdtemp(join(tmpdir(), "nodelet-voltest-"));
const rootDir = join(tmp, "kubelet");
const hostDir = join(tmp, "host");
await mkdir(hostDir);

after(async () => {
  for (const m of mountsUnder(await listMounts(), tmp)) {
    try {
      execFileSync("umount", [m.mountPoint]);
    } catch {
      execFileSync("umount", ["-l", m.mountPoint]);
    }
  }
  await rm(tmp, { recursive: true, force: true });
});

const pod = (uid: string, volumes: Volume[]): Pod => ({
  metadata: { name: `p-${uid}`, namespace: "default", uid },
  spec: { containers: [{ name: "app", image: "busybox" }], volumes },
});

test("emptyDir on disk and in memory (tmpfs with sizeLimit), idempotent setUp, tearDown", async () => {
  const vm = new VolumeManager({ rootDir, logger: silentLogger() });
  const p = pod("u-empty", [
    { name: "scratch", emptyDir: {} },
    { name: "ram", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
  ]);
  const vols = await vm.setUp(p);
  const scratch = join(rootDir, "pods/u-empty/volumes/kubernetes.io~empty-dir/scratch");
  const ram = join(rootDir, "pods/u-empty/volumes/kubernetes.io~empty-dir/ram");
  assert.deepEqual(vols.get("scratch"), { hostPath: scratch, readOnly: false });
  assert.deepEqual(vols.get("ram"), { hostPath: ram, readOnly: false });
  assert.equal((await stat(scratch)).mode & 0o777, 0o777);
  assert.equal((await stat(ram)).mode & 0o777, 0o777);

  const procMounts = await readFile("/proc/mounts", "utf8");
  const line = procMounts.split("\n").find((l) => l.split(" ")[1] === ram);
  assert.ok(line, "tmpfs listed in /proc/mounts");
  assert.match(line, /^tmpfs \S+ tmpfs \S*size=65536k/);

  await writeFile(join(scratch, "keep"), "disk data");
  await writeFile(join(ram, "keep"), "ram data");
  await vm.setUp(p); // again: nothing wiped, not mounted twice
  assert.equal(await readFile(join(scratch, "keep"), "utf8"), "disk data");
  assert.equal(await readFile(join(ram, "keep"), "utf8"), "ram data");
  assert.equal(mountsUnder(await listMounts(), ram).length, 1);
  assert.deepEqual(await vm.listPodDirs(), ["u-empty"]);

  await vm.tearDown("u-empty");
  assert.equal(mountsUnder(await listMounts(), join(rootDir, "pods/u-empty")).length, 0);
  await assert.rejects(stat(join(rootDir, "pods/u-empty")), { code: "ENOENT" });
  await vm.tearDown("u-empty"); // idempotent
  assert.deepEqual(await vm.listPodDirs(), []);
});

test("hostPath type checks and creation", async () => {
  const vm = new VolumeManager({ rootDir, logger: silentLogger() });
  const sock = join(hostDir, "s.sock");
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await writeFile(join(hostDir, "file"), "x");
    const ok = pod("u-host-ok", [
      { name: "mkdir", hostPath: { path: join(hostDir, "new/dir"), type: "DirectoryOrCreate" } },
      { name: "touch", hostPath: { path: join(hostDir, "new-file"), type: "FileOrCreate" } },
      { name: "dir", hostPath: { path: hostDir, type: "Directory" } },
      { name: "file", hostPath: { path: join(hostDir, "file"), type: "File" } },
      { name: "sock", hostPath: { path: sock, type: "Socket" } },
      { name: "null", hostPath: { path: "/dev/null", type: "CharDevice" } },
      { name: "any", hostPath: { path: join(hostDir, "does-not-exist") } },
    ]);
    const vols = await vm.setUp(ok);
    assert.equal(vols.get("mkdir")?.hostPath, join(hostDir, "new/dir"));
    const dirStat = await stat(join(hostDir, "new/dir"));
    assert.ok(dirStat.isDirectory());
    assert.ok((await stat(join(hostDir, "new-file"))).isFile());
    assert.equal(vols.get("any")?.hostPath, join(hostDir, "does-not-exist"));

    const bad = pod("u-host-bad", [
      { name: "notdir", hostPath: { path: join(hostDir, "file"), type: "Directory" } },
      { name: "missing", hostPath: { path: join(hostDir, "nope"), type: "File" } },
      { name: "noparent", hostPath: { path: join(hostDir, "no/parent/file"), type: "FileOrCreate" } },
      { name: "notsock", hostPath: { path: join(hostDir, "file"), type: "Socket" } },
      { name: "notblock", hostPath: { path: "/dev/null", type: "BlockDevice" } },
      { name: "cm", configMap: { name: "x" } },
    ]);
    const err = await vm.setUp(bad).then(
      () => assert.fail("setUp should fail"),
      (e: Error) => e.message,
    );
    assert.match(err, /^cannot set up volumes of pod default\/p-u-host-bad: /);
    assert.match(
      err,
      new RegExp(
        `volume "notdir": hostPath type check failed: ${hostDir}/file is not a directory \\(it is a regular file\\)`,
      ),
    );
    assert.match(
      err,
      new RegExp(
        `volume "missing": hostPath type check failed: ${hostDir}/nope is not a file \\(it does not exist\\)`,
      ),
    );
    assert.match(err, /volume "noparent": hostPath: cannot create file .*ENOENT/);
    assert.match(err, /volume "notsock": .* is not a socket file/);
    assert.match(err, /volume "notblock": .* is not a block device \(it is a character device\)/);
    assert.match(err, /volume "cm": unsupported volume type/);
    await vm.tearDown("u-host-ok");
    await vm.tearDown("u-host-bad");
    assert.ok((await stat(join(hostDir, "file"))).isFile(), "hostPath data survives tearDown");
  } finally {
    server.close();
  }
});

test("subPath directories, symlink escapes, /etc/hosts and termination log mounts", async () => {
  const vm = new VolumeManager({ rootDir, logger: silentLogger() });
  const p = pod("u-mounts", [{ name: "data", emptyDir: {} }]);
  p.spec.hostAliases = [{ ip: "1.2.3.4", hostnames: ["alias"] }];
  p.status = { podIP: "10.88.0.7" };
  p.spec.containers[0]!.volumeMounts = [
    { name: "data", mountPath: "/data" },
    { name: "data", mountPath: "/cfg", subPath: "a/b" },
  ];
  const vols = await vm.setUp(p);
  const container = p.spec.containers[0]!;
  const podDir = vm.podDir("u-mounts");
  await ensureSubPaths(container, vols);
  const subDir = join(vols.get("data")!.hostPath, "a/b");
  assert.equal((await stat(subDir)).mode & 0o777, 0o777);

  const log = await createTerminationLog(podDir, "app", 0);
  assert.equal(log, terminationLogPath(podDir, "app", 0));
  assert.equal((await stat(log)).mode & 0o777, 0o666);
  await writeFile(log, "x".repeat(5000));
  assert.equal((await readTerminationMessage(log)).length, 4096);
  assert.equal(await readTerminationMessage(join(podDir, "none")), "");

  const mounter = new PodVolumeMounter({ rootDir });
  const extra = [{ containerPath: "/dev/termination-log", hostPath: log, readonly: false }];
  const mounts = await mounter.containerMounts(p, container, vols, extra);
  assert.deepEqual(
    mounts.map((m) => [m.containerPath, m.hostPath]),
    [
      ["/data", vols.get("data")!.hostPath],
      ["/cfg", subDir],
      ["/etc/hosts", join(podDir, "etc-hosts")],
      ["/dev/termination-log", log],
    ],
  );
  const hosts = await readFile(join(podDir, "etc-hosts"), "utf8");
  assert.match(hosts, /^10\.88\.0\.7\tp-u-mounts$/m);
  assert.match(hosts, /^1\.2\.3\.4\talias$/m);
  assert.equal(await writeEtcHosts(podDir, { hostname: "h" }), join(podDir, "etc-hosts"));

  // A subPath that is a symlink out of the volume is refused.
  await symlink(hostDir, join(vols.get("data")!.hostPath, "out"));
  const evil = { ...container, volumeMounts: [{ name: "data", mountPath: "/x", subPath: "out" }] };
  await assert.rejects(ensureSubPaths(evil, vols), /subPath "out" resolves to .*outside the volume/);
  assert.equal(containerMounts(evil, vols, podDir).length, 1);

  const hostNet = { ...p, spec: { ...p.spec, hostNetwork: true } };
  assert.ok(
    !(await mounter.containerMounts(hostNet, container, vols, [])).some(
      (m) => m.containerPath === "/etc/hosts",
    ),
  );
  await vm.tearDown("u-mounts");
});
