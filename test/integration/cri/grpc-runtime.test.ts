// GrpcRuntime against a real, isolated containerd (own netns, own root/state, own cgroup root).
import { testSandboxConfig } from "../../harness/cri-fixtures.ts";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import { GrpcRuntime } from "../../../cri/grpc/grpc-runtime.ts";
import { type ContainerConfig, RuntimeError, type SandboxConfig } from "../../../cri/runtime.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";

const MiB = 1024 * 1024;

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("GrpcRuntime against containerd", () => {
  let handle: ContainerdHandle | undefined;
  let runtime: GrpcRuntime | undefined;
  let logDir = "";
  let sandbox: SandboxConfig;
  let sandboxId = "";
  const rt = (): GrpcRuntime => runtime!;

  function container(name: string, script: string, memoryLimitInBytes = 0): ContainerConfig {
    return {
      metadata: { name, attempt: 0 },
      image: BUSYBOX_IMAGE,
      command: ["sh", "-c", script],
      args: [],
      workingDir: "",
      envs: [{ key: "GREETING", value: "hi" }],
      mounts: [],
      labels: { "io.kubernetes.container.name": name },
      annotations: {},
      logPath: `${name}.log`,
      linux: { resources: { memoryLimitInBytes } },
    };
  }

  async function startedContainer(name: string, script: string, memory = 0): Promise<string> {
    const id = await rt().createContainer(sandboxId, container(name, script, memory), sandbox);
    await rt().startContainer(id);
    return id;
  }

  before(async () => {
    handle = await startContainerd();
    logDir = await mkdtemp(join(tmpdir(), "nodelet-cri-logs-"));
    runtime = await GrpcRuntime.connect(handle.endpoint, silentLogger());
    sandbox = testSandboxConfig("grpc-test", handle.cgroupRoot, logDir, {
      labels: { "test-label": "yes" },
      annotations: { "test-annotation": "present" },
    });
  });

  after(async () => {
    try {
      if (runtime && sandboxId) {
        await runtime.stopPodSandbox(sandboxId).catch(() => {});
        await runtime.removePodSandbox(sandboxId).catch(() => {});
      }
      runtime?.close();
    } finally {
      await handle?.stop();
      if (logDir) await rm(logDir, { recursive: true, force: true });
    }
  });

  it("reports version and status", async () => {
    const version = await rt().version();
    assert.equal(version.runtimeName, "containerd");
    assert.equal(version.runtimeApiVersion, "v1");
    assert.equal(rt().type, "containerd");
    const conditions = await rt().status();
    assert.ok(conditions.some((c) => c.type === "RuntimeReady" && c.status));
  });

  it("runs a sandbox with labels, annotations and an IP", async () => {
    sandboxId = await rt().runPodSandbox(sandbox);
    const status = await rt().podSandboxStatus(sandboxId);
    assert.ok(status);
    assert.equal(status.state, "ready");
    assert.match(status.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(status.network, "pod");
    assert.deepEqual(status.metadata, sandbox.metadata);
    assert.equal(status.labels["test-label"], "yes");
    assert.equal(status.annotations["test-annotation"], "present");
    assert.match(status.createdAt, /^\d{19}$/);
    const listed = (await rt().listPodSandboxes()).find((s) => s.id === sandboxId);
    assert.equal(listed?.state, "ready");
  });

  it("starts a container whose output lands in the CRI log file", async () => {
    const id = await startedContainer("hello", "echo hello; sleep 1000");
    const status = await rt().containerStatus(id);
    assert.equal(status?.state, "running");
    assert.equal(status?.podSandboxId, sandboxId);
    assert.equal(status?.image, BUSYBOX_IMAGE);
    assert.match(status?.imageRef ?? "", /^sha256:/);
    assert.equal(status?.logPath, join(logDir, "hello.log"));
    const log = await eventually("the log line", async () => {
      const text = await readFile(join(logDir, "hello.log"), "utf8").catch(() => "");
      return /^\S+ stdout F hello$/m.test(text) ? text : undefined;
    });
    assert.match(log, /stdout F hello/);

    const listed = (await rt().listContainers()).find((c) => c.id === id);
    assert.equal(listed?.podSandboxId, sandboxId);
    assert.equal(listed?.labels["io.kubernetes.container.name"], "hello");

    // A fresh client does not know the container yet and must find its sandbox by itself.
    const other = await GrpcRuntime.connect(handle!.endpoint, silentLogger());
    try {
      assert.equal((await other.containerStatus(id))?.podSandboxId, sandboxId);
    } finally {
      other.close();
    }
  });

  it("runs execSync and enforces its timeout", async () => {
    const id = await startedContainer("exec", "sleep 1000");
    const result = await rt().execSync(id, ["sh", "-c", "echo $GREETING"], 10);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.toString(), "hi\n");
    assert.equal(result.stderr.length, 0);

    const failing = await rt().execSync(id, ["sh", "-c", "echo oops >&2; exit 7"], 10);
    assert.equal(failing.exitCode, 7);
    assert.equal(failing.stderr.toString(), "oops\n");

    const started = Date.now();
    await assert.rejects(rt().execSync(id, ["sleep", "5"], 1), (err: unknown) => {
      assert.ok(err instanceof RuntimeError);
      assert.equal(err.code, "DeadlineExceeded");
      assert.match(err.message, /ExecSync/);
      return true;
    });
    assert.ok(Date.now() - started < 4500, "the exec timeout is enforced, not waited out");
  });

  it("reports an exited container with its exit code", async () => {
    const id = await startedContainer("exit3", "exit 3");
    const status = await eventually("the container to exit", async () => {
      const s = await rt().containerStatus(id);
      return s?.state === "exited" ? s : undefined;
    });
    assert.equal(status.exitCode, 3);
    assert.notEqual(status.finishedAt, "0");
    // containerd stamps startedAt after the task started; a process that exits at once can be
    // recorded as finished a little before that, so only closeness is checked.
    const gapNs = BigInt(status.finishedAt) - BigInt(status.startedAt);
    assert.ok(gapNs > -1_000_000_000n && gapNs < 5_000_000_000n, `finishedAt - startedAt = ${gapNs} ns`);
  });

  it("applies and updates the memory limit in the container's cgroup", async () => {
    const id = await startedContainer("limited", "sleep 1000", 64 * MiB);
    const limitFile = join("/sys/fs/cgroup/memory", sandbox.linux.cgroupParent, id, "memory.limit_in_bytes");
    assert.equal((await readFile(limitFile, "utf8")).trim(), String(64 * MiB));
    await rt().updateContainerResources(id, { memoryLimitInBytes: 128 * MiB });
    assert.equal((await readFile(limitFile, "utf8")).trim(), String(128 * MiB));
  });

  it("stops and removes idempotently, including unknown ids", async () => {
    const id = await startedContainer("stopme", "sleep 1000");
    await rt().stopContainer(id, 0);
    assert.equal((await rt().containerStatus(id))?.state, "exited");
    await rt().stopContainer(id, 0);
    await rt().removeContainer(id);
    await rt().removeContainer(id);
    assert.equal(await rt().containerStatus(id), undefined);
    await rt().stopContainer("0123456789abcdef-unknown", 0);
    await rt().removeContainer("0123456789abcdef-unknown");
    await rt().stopPodSandbox("0123456789abcdef-unknown");
    await rt().removePodSandbox("0123456789abcdef-unknown");
  });

  it("returns undefined for unknown containers, sandboxes and images", async () => {
    assert.equal(await rt().containerStatus("does-not-exist"), undefined);
    assert.equal(await rt().podSandboxStatus("does-not-exist"), undefined);
    assert.equal(await rt().imageStatus("docker.io/library/missing:0.0"), undefined);
    const busybox = await rt().imageStatus(BUSYBOX_IMAGE);
    assert.ok(busybox?.repoTags.includes(BUSYBOX_IMAGE));
    assert.ok((busybox?.size ?? 0) > 0);
    assert.ok((await rt().listImages()).some((i) => i.id === busybox?.id));
  });

  it("fails to pull an image that cannot be fetched, with a clear error", async () => {
    const bounded = await GrpcRuntime.connect(handle!.endpoint, silentLogger(), {
      timeouts: { pullImage: 30_000 },
    });
    try {
      await assert.rejects(bounded.pullImage("registry.invalid/nodelet/missing:1"), (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.match(err.message, /^CRI PullImage: .*registry\.invalid\/nodelet\/missing:1/);
        return true;
      });
    } finally {
      bounded.close();
    }
  });

  it("stops and removes the sandbox twice without error", async () => {
    await rt().stopPodSandbox(sandboxId);
    assert.equal((await rt().podSandboxStatus(sandboxId))?.state, "notready");
    await rt().stopPodSandbox(sandboxId);
    await rt().removePodSandbox(sandboxId);
    await rt().removePodSandbox(sandboxId);
    assert.equal(await rt().podSandboxStatus(sandboxId), undefined);
    assert.deepEqual(
      (await rt().listContainers()).filter((c) => c.podSandboxId === sandboxId),
      [],
      "removing the sandbox removes its containers",
    );
  });

  it("rejects with Unavailable when nothing listens on the socket", async () => {
    await assert.rejects(
      GrpcRuntime.connect(join(logDir, "nothing.sock"), silentLogger(), { timeouts: { default: 5_000 } }),
      (err: unknown) => err instanceof RuntimeError && err.code === "Unavailable",
    );
  });
});
