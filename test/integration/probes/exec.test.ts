// exec handler and an exec liveness probe through CRI ExecSync on a real, isolated containerd.
import { testSandboxConfig } from "../../harness/cri-fixtures.ts";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Container } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import { GrpcRuntime } from "../../../cri/grpc/grpc-runtime.ts";
import type { SandboxConfig } from "../../../cri/runtime.ts";
import { runHandler } from "../../../probes/handlers/index.ts";
import { type ProbeEvent, ProbeManager } from "../../../probes/manager.ts";
import { type ContainerdHandle, startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";

describe("exec probes on containerd", () => {
  let handle: ContainerdHandle | undefined;
  let runtime: GrpcRuntime | undefined;
  let logDir = "";
  let sandbox: SandboxConfig;
  let sandboxId = "";
  const rt = (): GrpcRuntime => runtime!;

  async function startContainer(name: string, script: string): Promise<string> {
    const id = await rt().createContainer(
      sandboxId,
      {
        metadata: { name, attempt: 0 },
        image: BUSYBOX_IMAGE,
        command: ["sh", "-c", script],
        args: [],
        workingDir: "",
        envs: [],
        mounts: [],
        labels: { "io.kubernetes.container.name": name },
        annotations: {},
        logPath: `${name}.log`,
        linux: { resources: {} },
      },
      sandbox,
    );
    await rt().startContainer(id);
    return id;
  }

  before(async () => {
    handle = await startContainerd();
    logDir = await mkdtemp(join(tmpdir(), "nodelet-probe-logs-"));
    runtime = await GrpcRuntime.connect(handle.endpoint, silentLogger());
    sandbox = testSandboxConfig("probe-exec", handle.cgroupRoot, logDir);
    sandboxId = await rt().runPodSandbox(sandbox);
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

  it("exit 0 succeeds, non-zero fails with the output, $(VAR) expands from env", async () => {
    const id = await startContainer("exec", "sleep 1000");
    const spec: Container = { name: "exec", image: BUSYBOX_IMAGE, env: [{ name: "WORD", value: "hello" }] };
    const target = { container: spec, containerId: id, hostNetwork: false };
    const deps = { runtime: rt() };
    assert.deepEqual(
      await runHandler({ exec: { command: ["sh", "-c", "echo $(WORD)"] } }, target, 5000, deps),
      {
        status: "success",
        message: "hello\n",
      },
    );
    assert.deepEqual(
      await runHandler({ exec: { command: ["sh", "-c", "echo bad >&2; exit 3"] } }, target, 5000, deps),
      {
        status: "failure",
        message: "bad\n",
      },
    );
    const quiet = await runHandler({ exec: { command: ["false"] } }, target, 5000, deps);
    assert.deepEqual(quiet, { status: "failure", message: 'command "false" exited with 1' });
  });

  it("a command running past timeoutSeconds fails as timed out, in about the timeout", async () => {
    const id = await startContainer("exec-slow", "sleep 1000");
    const target = {
      container: { name: "exec-slow", image: BUSYBOX_IMAGE },
      containerId: id,
      hostNetwork: false,
    };
    const t0 = performance.now();
    const r = await runHandler({ exec: { command: ["sleep", "10"] } }, target, 1000, { runtime: rt() });
    const ms = performance.now() - t0;
    assert.deepEqual(r, { status: "failure", message: 'command "sleep 10" timed out' });
    assert.ok(ms >= 900 && ms < 2500, `took ${ms} ms`);
  });

  it("an unknown container is a prober error (result discarded), not a failure", async () => {
    const target = {
      container: { name: "x", image: BUSYBOX_IMAGE },
      containerId: "does-not-exist",
      hostNetwork: false,
    };
    const r = await runHandler({ exec: { command: ["true"] } }, target, 1000, { runtime: rt() });
    assert.equal(r.status, "error");
  });

  it("an exec liveness probe fails after failureThreshold × periodSeconds once the file is gone", async () => {
    // The container is healthy for 2 s, then removes its health file.
    const id = await startContainer("live", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 1000");
    const startedAt = Date.now();
    const events: (ProbeEvent & { at: number })[] = [];
    const mgr = new ProbeManager({
      runtime: rt(),
      logger: silentLogger(),
      onChange: (ev) => events.push({ ...ev, at: Date.now() }),
    });
    try {
      mgr.addContainer({
        podUid: sandbox.metadata.uid,
        podName: "probe-exec",
        podNamespace: "default",
        container: {
          name: "live",
          image: BUSYBOX_IMAGE,
          livenessProbe: {
            exec: { command: ["test", "-f", "/tmp/healthy"] },
            periodSeconds: 1,
            failureThreshold: 2,
          },
        },
        containerId: id,
        hostNetwork: false,
        startedAtMs: startedAt,
      });
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.result === "failure") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const failure = events.find((e) => e.result === "failure");
      assert.ok(failure, "liveness failure reported");
      assert.deepEqual(
        events.map((e) => [e.kind, e.result, e.previous]),
        [
          ["liveness", "success", undefined],
          ["liveness", "failure", "success"],
        ],
      );
      // File gone at ~2 s; two failing probes 1 s apart: reported between 3 s and 4 s after start
      // (+ exec round trips and jitter landing within the period).
      const elapsed = failure.at - startedAt;
      assert.ok(elapsed >= 2500 && elapsed < 5000, `failure reported ${elapsed} ms after start`);
      const id2 = {
        podUid: sandbox.metadata.uid,
        podName: "probe-exec",
        podNamespace: "default",
        containerName: "live",
      };
      assert.equal(mgr.probeCount(id2, "liveness", "failed"), 2);
    } finally {
      mgr.stop();
    }
  });
});
