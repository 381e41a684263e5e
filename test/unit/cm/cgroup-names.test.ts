import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cgroupDirectory,
  expandSystemdSlice,
  podUidFromDirName,
  qosParentDirectories,
  underRoot,
} from "../../../agent/cm/cgroup-names.ts";

test("systemd slice expansion", () => {
  assert.equal(
    expandSystemdSlice("kubepods-burstable-pod12_34.slice"),
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice",
  );
  assert.equal(expandSystemdSlice("-.slice"), "/");
  assert.throws(() => expandSystemdSlice("a--b.slice"), /invalid/);
  assert.throws(() => expandSystemdSlice("a/b.slice"), /invalid/);
  assert.throws(() => expandSystemdSlice("kubepods"), /invalid/);
});

test("cgroup directories per driver", () => {
  assert.equal(
    cgroupDirectory("cgroupfs", "/x", "/x/kubepods/burstable/podab"),
    "/x/kubepods/burstable/podab",
  );
  assert.equal(cgroupDirectory("systemd", "/", "kubepods-pod1.slice"), "/kubepods.slice/kubepods-pod1.slice");
  assert.equal(cgroupDirectory("systemd", "/t", "kubepods.slice"), "/t/kubepods.slice");
  assert.equal(
    cgroupDirectory("systemd", "/t", "/kubepods.slice/kubepods-pod1.slice"),
    "/t/kubepods.slice/kubepods-pod1.slice",
  );
  assert.equal(cgroupDirectory("systemd", "/t/", "/t/kubepods.slice"), "/t/kubepods.slice");
  assert.equal(cgroupDirectory("cgroupfs", "/x", "/kubepods/pod1"), "/x/kubepods/pod1");
  assert.equal(cgroupDirectory("cgroupfs", "/x", "/xy/kubepods"), "/x/xy/kubepods");
  assert.throws(() => cgroupDirectory("cgroupfs", "/", "kubepods"), /absolute/);
  assert.throws(() => cgroupDirectory("cgroupfs", "/", "/kubepods/../x"), /\.\./);
  assert.equal(underRoot("/", "kubepods"), "/kubepods");
  assert.equal(underRoot("/n/", "/kubepods"), "/n/kubepods");
});

test("QoS parents", () => {
  assert.deepEqual(qosParentDirectories("cgroupfs", "/"), [
    "/kubepods",
    "/kubepods/burstable",
    "/kubepods/besteffort",
  ]);
  assert.deepEqual(qosParentDirectories("systemd", "/"), [
    "/kubepods.slice",
    "/kubepods.slice/kubepods-burstable.slice",
    "/kubepods.slice/kubepods-besteffort.slice",
  ]);
});

test("pod UIDs from directory names", () => {
  const uid = "0b6a6b36-1d5c-4f0e-9a1e-6a3c3f0f6a11";
  assert.equal(podUidFromDirName("cgroupfs", `pod${uid}`), uid);
  assert.equal(podUidFromDirName("cgroupfs", "burstable"), undefined);
  assert.equal(podUidFromDirName("systemd", `kubepods-burstable-pod${uid.replaceAll("-", "_")}.slice`), uid);
  assert.equal(podUidFromDirName("systemd", `kubepods-pod${uid.replaceAll("-", "_")}.slice`), uid);
  assert.equal(podUidFromDirName("systemd", "kubepods-burstable.slice"), undefined);
});
