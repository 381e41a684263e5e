import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActionContext } from "../../../agent/pod/actions.ts";
import { computePodActions, shouldRestart } from "../../../agent/pod/actions.ts";
import { container, observed, observedContainer, pod, sandbox } from "./fixtures.ts";

const ctx: ActionContext = { inBackoff: () => false, unhealthy: new Map(), isStarted: () => true };
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

describe("computePodActions", () => {
  it("creates the sandbox and starts all app containers of a new pod", () => {
    const p = pod({ containers: [container("a"), container("b")] });
    const a = computePodActions(p, observed([], []), ctx);
    assert.equal(a.createSandbox, true);
    assert.equal(a.killPod, false);
    assert.deepEqual(names(a.containersToStart), ["a", "b"]);
    assert.deepEqual(
      a.containersToStart.map((c) => c.restartCount),
      [0, 0],
    );
  });

  it("starts only the first init container of a new pod", () => {
    const p = pod({ initContainers: [container("i1"), container("i2")], containers: [container("a")] });
    const a = computePodActions(p, observed([], []), ctx);
    assert.deepEqual(names(a.containersToStart), ["i1"]);
  });

  it("runs init containers strictly in order", () => {
    const i1 = container("i1");
    const i2 = container("i2");
    const p = pod({ initContainers: [i1, i2], containers: [container("a")] });
    const running = computePodActions(p, observed([sandbox()], [observedContainer(i1, "running")]), ctx);
    assert.deepEqual(running.containersToStart, []);
    const done1 = computePodActions(p, observed([sandbox()], [observedContainer(i1, "exited")]), ctx);
    assert.deepEqual(names(done1.containersToStart), ["i2"]);
    const done2 = computePodActions(
      p,
      observed([sandbox()], [observedContainer(i1, "exited"), observedContainer(i2, "exited")]),
      ctx,
    );
    assert.deepEqual(names(done2.containersToStart), ["a"]);
  });

  it("restarts a failed init container, or fails the pod under Never", () => {
    const i1 = container("i1");
    const failed = observed([sandbox()], [observedContainer(i1, "exited", { exitCode: 1, reason: "Error" })]);
    const always = computePodActions(
      pod({ initContainers: [i1], containers: [container("a")] }),
      failed,
      ctx,
    );
    assert.deepEqual(names(always.containersToStart), ["i1"]);
    assert.equal(always.containersToStart[0]!.restartCount, 1);
    const never = computePodActions(
      pod({ restartPolicy: "Never", initContainers: [i1], containers: [container("a")] }),
      failed,
      ctx,
    );
    assert.equal(never.initFailed, true);
    assert.equal(never.killPod, true);
    assert.deepEqual(never.containersToStart, []);
  });

  it("keeps healthy running containers and restarts exited ones per policy", () => {
    const a = container("a");
    const b = container("b");
    const obs = observed(
      [sandbox()],
      [observedContainer(a, "running"), observedContainer(b, "exited", { exitCode: 0 })],
    );
    assert.deepEqual(names(computePodActions(pod({ containers: [a, b] }), obs, ctx).containersToStart), [
      "b",
    ]);
    assert.deepEqual(
      computePodActions(pod({ restartPolicy: "OnFailure", containers: [a, b] }), obs, ctx).containersToStart,
      [],
    );
    assert.deepEqual(
      computePodActions(pod({ restartPolicy: "Never", containers: [a, b] }), obs, ctx).containersToStart,
      [],
    );
  });

  it("holds a crash-looping container in back-off", () => {
    const a = container("a");
    const obs = observed([sandbox()], [observedContainer(a, "exited", { exitCode: 1, restartCount: 2 })]);
    const backoff = computePodActions(pod({ containers: [a] }), obs, { ...ctx, inBackoff: () => true });
    assert.deepEqual(backoff.containersToStart, []);
    assert.deepEqual(names(backoff.inBackoff), ["a"]);
    assert.equal(backoff.killPod, false);
    const go = computePodActions(pod({ containers: [a] }), obs, ctx);
    assert.equal(go.containersToStart[0]!.restartCount, 3);
  });

  it("kills a container whose liveness probe failed, with the probe's grace period", () => {
    const a = container("a");
    const running = observedContainer(a, "running");
    const unhealthy = new Map([
      [running.id, { reason: "Unhealthy", message: "liveness", gracePeriodSeconds: 5 }],
    ]);
    const act = computePodActions(pod({ containers: [a] }), observed([sandbox()], [running]), {
      ...ctx,
      unhealthy,
    });
    assert.deepEqual(
      act.containersToKill.map((k) => [k.id, k.gracePeriodSeconds]),
      [[running.id, 5]],
    );
  });

  it("restarts a running container whose spec changed", () => {
    const a = container("a");
    const running = observedContainer(a, "running", { hash: "00000000" });
    const act = computePodActions(pod({ containers: [a] }), observed([sandbox()], [running]), ctx);
    assert.equal(act.containersToKill[0]?.reason, "SpecChanged");
  });

  it("recreates a dead sandbox with the next attempt and kills the pod first", () => {
    const a = container("a");
    const act = computePodActions(
      pod({ containers: [a] }),
      observed([sandbox({ ready: false, attempt: 2 })], [observedContainer(a, "exited", { exitCode: 137 })]),
      ctx,
    );
    assert.equal(act.createSandbox, true);
    assert.equal(act.killPod, true);
    assert.equal(act.sandboxAttempt, 3);
    assert.equal(act.containersToStart[0]!.restartCount, 1);
  });

  it("does not give a finished Never pod a new sandbox", () => {
    const a = container("a");
    const act = computePodActions(
      pod({ restartPolicy: "Never", containers: [a] }),
      observed([sandbox({ ready: false })], [observedContainer(a, "exited")]),
      ctx,
    );
    assert.equal(act.createSandbox, false);
    assert.equal(act.killPod, true);
  });

  it("does not recreate the sandbox of an OnFailure pod whose containers all succeeded", () => {
    const a = container("a");
    const act = computePodActions(
      pod({ restartPolicy: "OnFailure", containers: [a] }),
      observed([sandbox({ ready: false })], [observedContainer(a, "exited", { exitCode: 0 })]),
      ctx,
    );
    assert.equal(act.createSandbox, false);
  });

  it("stops the sandbox once every app container finished for good", () => {
    const a = container("a");
    const act = computePodActions(
      pod({ restartPolicy: "Never", containers: [a] }),
      observed([sandbox()], [observedContainer(a, "exited", { exitCode: 0 })]),
      ctx,
    );
    assert.equal(act.killPod, true);
    assert.equal(act.createSandbox, false);
  });

  it("collects every exited instance except the newest two per name", () => {
    const a = container("a");
    const old1 = observedContainer(a, "exited", { restartCount: 0 });
    const old2 = observedContainer(a, "exited", { restartCount: 1 });
    const cur = observedContainer(a, "running", { restartCount: 2 });
    const act = computePodActions(pod({ containers: [a] }), observed([sandbox()], [cur, old2, old1]), ctx);
    assert.deepEqual(act.containersToRemove, [old1.id]);
  });

  it("kills containers the spec no longer names", () => {
    const a = container("a");
    const stray = observedContainer(container("gone"), "running");
    const act = computePodActions(
      pod({ containers: [a] }),
      observed([sandbox()], [observedContainer(a, "running"), stray]),
      ctx,
    );
    assert.deepEqual(
      act.containersToKill.map((k) => k.id),
      [stray.id],
    );
  });

  it("starts a sidecar and waits for its startup before the next init container", () => {
    const side = container("side", { restartPolicy: "Always" });
    const i2 = container("i2");
    const p = pod({ initContainers: [side, i2], containers: [container("a")] });
    const running = observedContainer(side, "running");
    const notStarted = computePodActions(p, observed([sandbox()], [running]), {
      ...ctx,
      isStarted: () => false,
    });
    assert.deepEqual(notStarted.containersToStart, []);
    const started = computePodActions(p, observed([sandbox()], [running]), ctx);
    assert.deepEqual(names(started.containersToStart), ["i2"]);
  });

  it("restarts an exited sidecar while app containers run", () => {
    const side = container("side", { restartPolicy: "Always" });
    const a = container("a");
    const p = pod({ restartPolicy: "Never", initContainers: [side], containers: [a] });
    const act = computePodActions(
      p,
      observed(
        [sandbox()],
        [observedContainer(side, "exited", { exitCode: 1 }), observedContainer(a, "running")],
      ),
      ctx,
    );
    assert.deepEqual(names(act.containersToStart), ["side"]);
  });
});

describe("shouldRestart", () => {
  const exited = (exitCode: number) => observedContainer(container("x"), "exited", { exitCode });
  it("follows the restart policy table", () => {
    assert.equal(shouldRestart("Always", "app", exited(0)), true);
    assert.equal(shouldRestart("OnFailure", "app", exited(0)), false);
    assert.equal(shouldRestart("OnFailure", "app", exited(2)), true);
    assert.equal(shouldRestart("Never", "app", exited(2)), false);
    assert.equal(shouldRestart("Always", "init", exited(0)), false);
    assert.equal(shouldRestart("Always", "init", exited(1)), true);
    assert.equal(shouldRestart("Never", "sidecar", exited(0)), true);
    assert.equal(shouldRestart("Never", "app", undefined), true);
  });
});
