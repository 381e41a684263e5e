import assert from "node:assert/strict";
import { test } from "node:test";
import { shimOf, shimSocketPath } from "../../harness/containerd-cleanup.ts";

test("recognizes only the shims of the given containerd", () => {
  const argv = [
    "/usr/bin/containerd-shim-runc-v2",
    "-namespace",
    "k8s.io",
    "-id",
    "abc",
    "-address",
    "/tmp/a.sock",
  ];
  assert.deepEqual(shimOf(argv, "/tmp/a.sock"), { namespace: "k8s.io", id: "abc" });
  assert.equal(shimOf(argv, "/tmp/b.sock"), undefined);
  assert.equal(shimOf(["containerd", "--config", "/tmp/a.sock"], "/tmp/a.sock"), undefined);
});

test("shim socket path follows containerd 1.6: sha256 of address/namespace/id under /run/containerd/s", () => {
  assert.equal(
    shimSocketPath("/tmp/a.sock", "k8s.io", "abc"),
    // echo -n /tmp/a.sock/k8s.io/abc | sha256sum
    "/run/containerd/s/a11b8fc878c74bfd4fed7e026889abe4e09a896700f0b368044e71fc28da6f3f",
  );
});
