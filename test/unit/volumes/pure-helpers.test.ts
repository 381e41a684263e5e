import assert from "node:assert/strict";
import { test } from "node:test";
import { tmpfsOptions } from "../../../agent/volumes/empty-dir.ts";
import { podHostnameAndDomain, renderEtcHosts } from "../../../agent/volumes/etc-hosts.ts";
import { hostPathAction } from "../../../agent/volumes/host-path.ts";
import { mountsUnder, parseMountinfo } from "../../../agent/volumes/mounts.ts";
import { escapePluginName, podDir, volumeDir } from "../../../agent/volumes/volume-paths.ts";

test("hostPath type decisions follow upstream", () => {
  assert.equal(hostPathAction("/x", undefined, "missing"), "ok");
  assert.equal(hostPathAction("/x", "", "missing"), "ok");
  assert.equal(hostPathAction("/x", "DirectoryOrCreate", "missing"), "create-directory");
  assert.equal(hostPathAction("/x", "DirectoryOrCreate", "directory"), "ok");
  assert.deepEqual(hostPathAction("/x", "DirectoryOrCreate", "file"), {
    error: "hostPath type check failed: /x is not a directory (it is a regular file)",
  });
  assert.equal(hostPathAction("/x", "FileOrCreate", "missing"), "create-file");
  assert.deepEqual(hostPathAction("/x", "File", "missing"), {
    error: "hostPath type check failed: /x is not a file (it does not exist)",
  });
  assert.deepEqual(hostPathAction("/x", "Directory", "missing"), {
    error: "hostPath type check failed: /x is not a directory (it does not exist)",
  });
  assert.equal(hostPathAction("/x", "Socket", "socket"), "ok");
  assert.deepEqual(hostPathAction("/x", "Socket", "file"), {
    error: "hostPath type check failed: /x is not a socket file (it is a regular file)",
  });
  assert.equal(hostPathAction("/dev/null", "CharDevice", "char-device"), "ok");
  assert.deepEqual(hostPathAction("/dev/null", "BlockDevice", "char-device"), {
    error: "hostPath type check failed: /dev/null is not a block device (it is a character device)",
  });
  assert.deepEqual(hostPathAction("/x", "Fifo" as never, "file"), {
    error: '"Fifo" is an invalid hostPath type',
  });
});

test("tmpfs size from sizeLimit", () => {
  assert.deepEqual(tmpfsOptions({ name: "m", emptyDir: { medium: "Memory" } }), []);
  assert.deepEqual(tmpfsOptions({ name: "m", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }), [
    "size=67108864",
  ]);
  assert.deepEqual(tmpfsOptions({ name: "m", emptyDir: { medium: "Memory", sizeLimit: "1G" } }), [
    "size=1000000000",
  ]);
  assert.throws(
    () => tmpfsOptions({ name: "m", emptyDir: { sizeLimit: "lots" } }),
    /invalid sizeLimit "lots"/,
  );
  assert.throws(() => tmpfsOptions({ name: "m", emptyDir: { sizeLimit: "0" } }), /positive/);
});

test("/etc/hosts content", () => {
  const header =
    "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
    "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  assert.equal(renderEtcHosts({ podIP: "10.1.0.5", hostname: "web" }), `${header}10.1.0.5\tweb\n`);
  assert.equal(
    renderEtcHosts({
      podIPs: ["10.1.0.5", "fd00::5"],
      hostname: "web-0",
      hostDomain: "web.default.svc.cluster.local",
      hostAliases: [
        { ip: "1.2.3.4", hostnames: ["foo.local", "bar.local"] },
        { ip: "5.6.7.8", hostnames: ["baz"] },
      ],
    }),
    `${header}10.1.0.5\tweb-0.web.default.svc.cluster.local\tweb-0\n` +
      "fd00::5\tweb-0.web.default.svc.cluster.local\tweb-0\n" +
      "\n# Entries added by HostAliases.\n1.2.3.4\tfoo.local\tbar.local\n5.6.7.8\tbaz\n",
  );
});

test("pod hostname and domain", () => {
  const pod = { metadata: { name: "p", namespace: "ns" }, spec: { containers: [] } };
  assert.deepEqual(podHostnameAndDomain(pod), { hostname: "p" });
  assert.deepEqual(
    podHostnameAndDomain({ ...pod, spec: { containers: [], hostname: "h", subdomain: "s" } }, "k8s.test"),
    {
      hostname: "h",
      hostDomain: "s.ns.svc.k8s.test",
    },
  );
  const long = `${"a".repeat(62)}-b`;
  assert.equal(podHostnameAndDomain({ ...pod, metadata: { name: long } }).hostname, "a".repeat(62));
});

test("paths and mountinfo", () => {
  assert.equal(escapePluginName("kubernetes.io/empty-dir"), "kubernetes.io~empty-dir");
  assert.equal(
    volumeDir(podDir("/var/lib/kubelet", "u1"), "kubernetes.io/empty-dir", "cache"),
    "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/cache",
  );
  assert.throws(() => podDir("/r", "../etc"), /invalid pod UID/);
  const mounts = parseMountinfo(
    "100 1 0:50 / /r/pods/u1/volumes/kubernetes.io~empty-dir/m rw - tmpfs tmpfs rw,size=65536k\n" +
      "101 1 0:51 / /r/pods/u1/volumes/kubernetes.io~empty-dir/m/inner\\040x rw - tmpfs tmpfs rw\n" +
      "102 1 0:52 / /r/pods/u10/x rw - tmpfs tmpfs rw\n",
  );
  assert.deepEqual(
    mountsUnder(mounts, "/r/pods/u1").map((m) => m.mountPoint),
    ["/r/pods/u1/volumes/kubernetes.io~empty-dir/m/inner x", "/r/pods/u1/volumes/kubernetes.io~empty-dir/m"],
  );
  assert.deepEqual(mounts[0]?.superOptions, ["rw", "size=65536k"]);
});
