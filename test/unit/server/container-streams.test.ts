import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  runInContainer,
  type StreamingRuntime,
  StreamTargetError,
  streamingUrl,
} from "../../../agent/server/container-streams.ts";
import type { PodSource } from "../../../agent/server/pod-reader.ts";
import type { PodView } from "../../../agent/kubelet.ts";
import { RuntimeError, type SandboxSummary } from "../../../cri/runtime.ts";

const STREAMS = { stdin: false, stdout: true, stderr: true, tty: false };

function view(): PodView {
  const status = (name: string, id: string, running: boolean) => ({
    name,
    state: running ? { running: { startedAt: "2026-01-01T00:00:00Z" } } : { terminated: { exitCode: 0 } },
    lastState: {},
    ready: running,
    restartCount: 0,
    image: "busybox",
    imageID: "",
    containerID: `containerd://${id}`,
  });
  return {
    pod: {
      metadata: { name: "web", namespace: "ns", uid: "uid-1" },
      spec: { containers: [{ name: "app" }, { name: "done" }] },
    },
    status: { containerStatuses: [status("app", "c-app", true), status("done", "c-done", false)] },
  } as unknown as PodView;
}

const source: PodSource = { pods: () => [view()] };

function sandbox(id: string, uid: string, state: "ready" | "notready", createdAt: string): SandboxSummary {
  return {
    id,
    metadata: { name: "web", namespace: "ns", uid, attempt: 0 },
    state,
    createdAt,
    labels: {},
    annotations: {},
  };
}

function fakeRuntime(calls: unknown[][], overrides: Partial<StreamingRuntime> = {}): StreamingRuntime {
  return {
    exec: async (...args) => {
      calls.push(["exec", ...args]);
      return "http://127.0.0.1:4000/exec/tok";
    },
    attach: async (...args) => {
      calls.push(["attach", ...args]);
      return "http://127.0.0.1:4000/attach/tok";
    },
    portForward: async (...args) => {
      calls.push(["portForward", ...args]);
      return "http://127.0.0.1:4000/portforward/tok";
    },
    execSync: async () => ({ exitCode: 0, stdout: Buffer.from("out\n"), stderr: Buffer.from("err\n") }),
    listPodSandboxes: async () => [
      sandbox("old-ready", "uid-1", "ready", "900"),
      sandbox("new-ready", "uid-1", "ready", "1000"),
      sandbox("newest-dead", "uid-1", "notready", "2000"),
      sandbox("other-pod", "uid-2", "ready", "3000"),
    ],
    ...overrides,
  };
}

async function rejectsWith(p: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(
    p,
    (err: unknown) =>
      err instanceof StreamTargetError && err.httpStatus === status && message.test(err.message),
  );
}

describe("streamingUrl", () => {
  it("execs in the running container's runtime id", async () => {
    const calls: unknown[][] = [];
    const url = await streamingUrl(source, fakeRuntime(calls), {
      kind: "exec",
      target: { namespace: "ns", pod: "web", container: "app" },
      command: ["ls"],
      streams: STREAMS,
    });
    assert.equal(url.href, "http://127.0.0.1:4000/exec/tok");
    assert.deepEqual(calls, [["exec", "c-app", ["ls"], STREAMS]]);
  });

  it("attaches with the UID form when the UID matches", async () => {
    const calls: unknown[][] = [];
    await streamingUrl(source, fakeRuntime(calls), {
      kind: "attach",
      target: { namespace: "ns", pod: "web", uid: "uid-1", container: "app" },
      streams: STREAMS,
    });
    assert.deepEqual(calls, [["attach", "c-app", STREAMS]]);
  });

  it("forwards ports into the pod's newest ready sandbox", async () => {
    const calls: unknown[][] = [];
    await streamingUrl(source, fakeRuntime(calls), {
      kind: "portForward",
      target: { namespace: "ns", pod: "web" },
      ports: [80],
    });
    assert.deepEqual(calls, [["portForward", "new-ready", [80]]]);
  });

  it("answers the kubelet's 404s: unknown pod, unknown or stopped container, other UID, no sandbox", async () => {
    const rt = fakeRuntime([]);
    const exec = (pod: string, container: string, uid?: string) =>
      streamingUrl(source, rt, {
        kind: "exec",
        target: { namespace: "ns", pod, container, ...(uid ? { uid } : {}) },
        command: ["ls"],
        streams: STREAMS,
      });
    await rejectsWith(exec("ghost", "app"), 404, /^pod does not exist$/);
    await rejectsWith(exec("web", "nope"), 404, /^container not found \("nope"\)$/);
    await rejectsWith(exec("web", "done"), 404, /^container not found \("done"\)$/);
    await rejectsWith(exec("web", "app", "uid-other"), 404, /container not found/);
    const forward = (uid?: string) =>
      streamingUrl(source, fakeRuntime([], { listPodSandboxes: async () => [] }), {
        kind: "portForward",
        target: { namespace: "ns", pod: "web", ...(uid ? { uid } : {}) },
        ports: [],
      });
    await rejectsWith(forward(), 404, /^pod not found \("web_ns"\)$/);
    await rejectsWith(forward("uid-other"), 404, /^pod not found$/);
  });

  it("names the CRI error: NotFound is a 404, anything else a 500", async () => {
    const failing = (code: RuntimeError["code"]) =>
      streamingUrl(
        source,
        fakeRuntime([], {
          attach: () => Promise.reject(new RuntimeError(code, "CRI Attach: boom")),
        }),
        { kind: "attach", target: { namespace: "ns", pod: "web", container: "app" }, streams: STREAMS },
      );
    await rejectsWith(failing("NotFound"), 404, /^CRI Attach: boom$/);
    await rejectsWith(failing("Unknown"), 500, /^CRI Attach: boom$/);
  });
});

describe("runInContainer", () => {
  const run = {
    kind: "run" as const,
    target: { namespace: "ns", pod: "web", container: "app" },
    command: ["id"],
  };

  it("answers stdout then stderr", async () => {
    assert.equal((await runInContainer(source, fakeRuntime([]), run)).toString(), "out\nerr\n");
  });

  it("is a 500 naming the exit code when the command fails", async () => {
    const rt = fakeRuntime([], {
      execSync: async () => ({ exitCode: 2, stdout: Buffer.alloc(0), stderr: Buffer.from("bad") }),
    });
    await rejectsWith(runInContainer(source, rt, run), 500, /^command 'id' exited with 2: bad$/);
  });
});
