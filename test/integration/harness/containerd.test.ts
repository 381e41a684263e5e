import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { after, test } from "node:test";
import { cgroupMountPoints } from "../../harness/cgroups.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE, BUSYBOX_LATEST, PAUSE_IMAGE } from "../../harness/images.ts";
import { execInNetns, netnsExists } from "../../harness/netns.ts";
import { listProcesses } from "../../harness/processes.ts";

const handles: ContainerdHandle[] = [];
after(async () => {
  for (const h of handles) await h.stop();
});

function ctr(h: ContainerdHandle, ...args: string[]): string {
  return execFileSync("ctr", ["-a", h.socketPath, ...args], { encoding: "utf8" });
}

function assertGone(h: ContainerdHandle): void {
  assert.equal(netnsExists(h.netns), false, `netns ${h.netns} still exists`);
  assert.equal(existsSync(h.dir), false, `${h.dir} still exists`);
  for (const mp of cgroupMountPoints()) {
    assert.equal(existsSync(`${mp}${h.cgroupRoot}`), false, `cgroup ${mp}${h.cgroupRoot} still exists`);
  }
  assert.equal(
    readFileSync("/proc/self/mountinfo", "utf8").includes(h.dir),
    false,
    "a mount below the dir remains",
  );
  for (const p of listProcesses()) {
    assert.equal(
      p.argv.join(" ").includes(h.dir),
      false,
      `process ${p.pid} of the instance is still running`,
    );
  }
}

test("starts an isolated containerd with the test images and removes every trace on stop", async () => {
  const h = await startContainerd();
  handles.push(h);
  assert.match(h.endpoint, /^unix:\/\/\/.+\.sock$/);
  assert.match(h.cgroupRoot, /^\/nodelet-test-[0-9a-f]+$/);

  assert.match(ctr(h, "version"), /Server:/);
  const images = ctr(h, "-n", "k8s.io", "images", "ls", "-q").split("\n");
  for (const ref of [PAUSE_IMAGE, BUSYBOX_IMAGE, BUSYBOX_LATEST])
    assert.ok(images.includes(ref), `${ref} missing`);

  // containerd and its CNI bridge live in the instance's own network namespace.
  assert.equal(netnsExists(h.netns), true);
  const lo = await execInNetns(h.netns, ["ip", "-o", "link", "show", "lo"]);
  assert.equal(lo.code, 0);
  assert.match(lo.stdout, /UP/);

  await h.stop();
  assertGone(h);
  await h.stop(); // idempotent
});

test("two instances run side by side without interfering", async () => {
  const [a, b] = await Promise.all([startContainerd(), startContainerd()]);
  handles.push(a, b);
  assert.notEqual(a.netns, b.netns);
  assert.notEqual(a.cgroupRoot, b.cgroupRoot);
  assert.match(ctr(a, "version"), /Server:/);
  await a.stop();
  assert.match(ctr(b, "version"), /Server:/, "stopping one instance must not affect the other");
  await b.stop();
  assertGone(a);
  assertGone(b);
});

async function abandonedInstance(mode: "exit" | "wait", signal?: NodeJS.Signals): Promise<ContainerdHandle> {
  const fixture = new URL("./abandon-containerd.fixture.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, [fixture, mode], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  const printed = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve();
    });
  });
  const exited = once(child, "exit");
  await Promise.race([printed, exited]);
  const handle = JSON.parse(out) as ContainerdHandle;
  if (signal) child.kill(signal);
  await exited;
  return handle;
}

test("an instance the process never stopped is removed when the process exits", async () => {
  assertGone(await abandonedInstance("exit"));
});

test("an instance is removed when the process is killed by SIGTERM", async () => {
  assertGone(await abandonedInstance("wait", "SIGTERM"));
});
