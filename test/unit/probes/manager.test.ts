import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container, Probe } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import type { HandlerOutcome } from "../../../probes/handlers/index.ts";
import {
  type ProbeEvent,
  type ProbeKind,
  ProbeManager,
  type ProbeOutcomeEvent,
  type ProbeTarget,
} from "../../../probes/manager.ts";
import { FakeClock } from "./fake-clock.ts";

type Script = (
  kind: ProbeKind,
  t: ProbeTarget,
  now: number,
) => HandlerOutcome["status"] | Promise<HandlerOutcome>;

const noRuntime = {
  execSync: () => Promise.reject(new Error("no runtime in unit tests")),
};

function kindOf(c: Container, probe: Probe): ProbeKind {
  if (c.livenessProbe === probe) return "liveness";
  if (c.readinessProbe === probe) return "readiness";
  return "startup";
}

function setup(script: Script, opts: { random?: number; start?: number } = {}) {
  const clock = new FakeClock(opts.start ?? 0);
  const events: (ProbeEvent & { at: number })[] = [];
  const unhealthy: (ProbeOutcomeEvent & { at: number })[] = [];
  const calls: { kind: ProbeKind; id: string; at: number }[] = [];
  const mgr = new ProbeManager({
    runtime: noRuntime,
    logger: silentLogger(),
    clock,
    random: () => opts.random ?? 0,
    onChange: (ev) => events.push({ ...ev, at: clock.now() }),
    onUnhealthy: (ev) => unhealthy.push({ ...ev, at: clock.now() }),
    runProbe: async (probe, t) => {
      const kind = kindOf(t.container, probe);
      calls.push({ kind, id: t.containerId, at: clock.now() });
      const r = script(kind, t, clock.now());
      return typeof r === "string" ? { status: r, message: `${kind} ${r}` } : r;
    },
  });
  return { clock, events, unhealthy, calls, mgr };
}

function target(container: Partial<Container>, id = "c1", startedAtMs = 0): ProbeTarget {
  return {
    podUid: "uid-1",
    podName: "p",
    podNamespace: "default",
    container: { name: "app", image: "busybox", ...container },
    containerId: id,
    podIP: "10.0.0.2",
    hostNetwork: false,
    startedAtMs,
  };
}

const tcp = (extra: Partial<Probe> = {}): Probe => ({ tcpSocket: { port: 80 }, ...extra });

test("readiness is false before the first success, then follows the probe", async () => {
  let ok = false;
  const { clock, mgr, events } = setup(() => (ok ? "success" : "failure"));
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1, failureThreshold: 1 }) }));
  assert.equal(mgr.isReady("c1"), false);
  await clock.advance(0);
  assert.equal(mgr.isReady("c1"), false);
  assert.deepEqual(
    events.map((e) => [e.kind, e.result, e.previous]),
    [["readiness", "failure", undefined]],
  );
  ok = true;
  await clock.advance(1000);
  assert.equal(mgr.isReady("c1"), true);
  ok = false;
  await clock.advance(1000);
  assert.equal(mgr.isReady("c1"), false);
  assert.deepEqual(
    events.map((e) => [e.result, e.previous, e.at]),
    [
      ["failure", undefined, 0],
      ["success", "failure", 1000],
      ["failure", "success", 2000],
    ],
  );
  // no event when the result stays the same
  await clock.advance(5000);
  assert.equal(events.length, 3);
  mgr.stop();
});

test("no probes: ready and started at once; unknown containers count as probe-less", () => {
  const { mgr } = setup(() => "success");
  mgr.addContainer(target({}));
  assert.equal(mgr.isReady("c1"), true);
  assert.equal(mgr.isStarted("c1"), true);
  assert.equal(mgr.isReady("other"), true);
  mgr.stop();
});

test("first probe at a random offset within the period", async () => {
  for (const [r, expected] of [
    [0, 0],
    [0.25, 2500],
    [0.999, 9990],
  ] as const) {
    const { clock, mgr, calls } = setup(() => "success", { random: r });
    mgr.addContainer(target({ livenessProbe: tcp() }));
    await clock.advance(30_000);
    assert.equal(calls[0]?.at, expected, `random ${r}`);
    assert.deepEqual(
      calls.slice(0, 3).map((c) => c.at),
      [expected, expected + 10_000, expected + 20_000],
    );
    mgr.stop();
  }
});

test("readiness probes once right away (upstream's manual trigger), then on the jittered grid", async () => {
  const { clock, mgr, calls } = setup(() => "success", { random: 0.25, start: 500 });
  mgr.addContainer(target({ readinessProbe: tcp() }, "c1", 0));
  await clock.advance(25_000);
  assert.deepEqual(
    calls.map((c) => c.at),
    [500, 3000, 13_000, 23_000],
  );
  assert.equal(mgr.isReady("c1"), true);
  mgr.stop();
});

test("readiness with an initial delay probes first exactly when the delay ends", async () => {
  const { clock, mgr, calls } = setup(() => "success", { random: 0.5 });
  mgr.addContainer(target({ readinessProbe: tcp({ initialDelaySeconds: 3 }) }));
  await clock.advance(20_000);
  assert.deepEqual(
    calls.map((c) => c.at),
    [3000, 5000, 15_000],
  );
  mgr.stop();
});

test("no probe before initialDelaySeconds after the container start", async () => {
  // added at 2 s for a container started at 1 s; delay 15 s; grid phase 2 s + 3 s.
  const { clock, mgr, calls } = setup(() => "success", { random: 0.3, start: 2000 });
  mgr.addContainer(target({ livenessProbe: tcp({ initialDelaySeconds: 15 }) }, "c1", 1000));
  await clock.advance(60_000);
  assert.ok(calls.every((c) => c.at >= 16_000));
  assert.equal(calls[0]?.at, 25_000); // first grid point (5 s + k·10 s) at or after 16 s
  mgr.stop();
});

test("liveness: failureThreshold consecutive failures fire one failure, then probing stops", async () => {
  const { clock, mgr, calls, events } = setup((_k, _t, now) => (now < 5000 ? "success" : "failure"));
  mgr.addContainer(target({ livenessProbe: tcp({ periodSeconds: 1, failureThreshold: 3 }) }));
  await clock.advance(4000);
  assert.deepEqual(
    events.map((e) => [e.kind, e.result, e.previous]),
    [["liveness", "success", undefined]],
  );
  await clock.advance(2000); // failures at 5 s and 6 s: below threshold
  assert.equal(events.length, 1);
  await clock.advance(1000); // third failure at 7 s
  assert.deepEqual(
    events.map((e) => [e.result, e.previous, e.at]),
    [
      ["success", undefined, 0],
      ["failure", "success", 7000],
    ],
  );
  assert.equal(events[1]?.message, "liveness failure");
  const n = calls.length;
  await clock.advance(60_000);
  assert.equal(calls.length, n, "no probing after a liveness failure");
  assert.equal(mgr.result("c1", "liveness"), "failure");
  mgr.stop();
});

test("a failure streak broken by one success does not reach the threshold", async () => {
  const seq = ["failure", "failure", "success", "failure", "failure", "failure"] as const;
  let i = 0;
  const { clock, mgr, events } = setup(() => seq[i++] ?? "success");
  mgr.addContainer(target({ livenessProbe: tcp({ periodSeconds: 1, failureThreshold: 3 }) }));
  await clock.advance(5000);
  assert.deepEqual(
    events.map((e) => [e.result, e.at]),
    [
      ["success", 2000],
      ["failure", 5000],
    ],
  );
  mgr.stop();
});

test("readiness successThreshold needs consecutive successes", async () => {
  const seq = ["success", "failure", "success", "success"] as const;
  let i = 0;
  const { clock, mgr, events } = setup(() => seq[i++] ?? "success");
  mgr.addContainer(
    target({ readinessProbe: tcp({ periodSeconds: 1, successThreshold: 2, failureThreshold: 5 }) }),
  );
  await clock.advance(2000);
  assert.equal(mgr.isReady("c1"), false);
  await clock.advance(1000);
  assert.equal(mgr.isReady("c1"), true);
  assert.deepEqual(
    events.map((e) => [e.result, e.at]),
    [["success", 3000]],
  );
  mgr.stop();
});

test("startup gates liveness and readiness; readiness probes right after startup succeeds", async () => {
  const { clock, mgr, calls, events } = setup((kind, _t, now) =>
    kind === "startup" ? (now >= 3000 ? "success" : "failure") : "success",
  );
  mgr.addContainer(
    target({
      startupProbe: tcp({ periodSeconds: 1, failureThreshold: 30 }),
      readinessProbe: tcp({ periodSeconds: 10 }),
      livenessProbe: tcp({ periodSeconds: 10 }),
    }),
  );
  await clock.advance(2500);
  assert.equal(mgr.isStarted("c1"), false);
  assert.equal(mgr.isReady("c1"), false);
  assert.ok(calls.every((c) => c.kind === "startup"));
  await clock.advance(500); // startup succeeds at 3 s
  assert.equal(mgr.isStarted("c1"), true);
  assert.deepEqual(
    calls.filter((c) => c.kind === "readiness").map((c) => c.at),
    [3000],
  );
  assert.equal(mgr.isReady("c1"), true);
  await clock.advance(20_000);
  assert.equal(calls.filter((c) => c.kind === "startup").length, 4, "startup stops once started");
  // liveness keeps its own grid (phase 0): first allowed tick after start is 10 s
  assert.deepEqual(
    calls.filter((c) => c.kind === "liveness").map((c) => c.at),
    [10_000, 20_000],
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.result]),
    [
      ["startup", "success"],
      ["readiness", "success"],
      ["liveness", "success"],
    ],
  );
  mgr.stop();
});

test("startup failureThreshold reached fires a startup failure; liveness never ran", async () => {
  const { clock, mgr, calls, events } = setup((kind) => (kind === "startup" ? "failure" : "success"));
  mgr.addContainer(
    target({
      startupProbe: tcp({ periodSeconds: 1, failureThreshold: 5 }),
      livenessProbe: tcp({ periodSeconds: 1 }),
    }),
  );
  await clock.advance(30_000);
  assert.deepEqual(
    events.map((e) => [e.kind, e.result, e.at]),
    [["startup", "failure", 4000]],
  );
  assert.equal(calls.length, 5);
  assert.equal(mgr.isStarted("c1"), false);
  mgr.stop();
});

test("a new container instance starts from scratch; the old one is no longer probed", async () => {
  const { clock, mgr, calls, events } = setup(() => "success");
  const probe = { readinessProbe: tcp({ periodSeconds: 1 }) };
  mgr.addContainer(target(probe, "c1"));
  mgr.addContainer(target(probe, "c1")); // idempotent
  await clock.advance(1500);
  assert.equal(mgr.isReady("c1"), true);
  assert.equal(calls.length, 2);
  mgr.removeContainer("c1");
  mgr.addContainer(target(probe, "c2", 1500));
  assert.equal(mgr.isReady("c2"), false);
  assert.equal(mgr.hasContainer("c1"), false);
  await clock.advance(5000);
  assert.ok(calls.filter((c) => c.id === "c1").length === 2);
  assert.equal(mgr.isReady("c2"), true);
  assert.deepEqual(
    events.map((e) => [e.target.containerId, e.result, e.previous]),
    [
      ["c1", "success", undefined],
      ["c2", "success", undefined],
    ],
  );
  mgr.stop();
});

test("a probe that never answers blocks neither other workers nor the caller", async () => {
  const { clock, mgr, calls } = setup((_k, t) =>
    t.containerId === "hang" ? new Promise<HandlerOutcome>(() => {}) : "success",
  );
  mgr.addContainer(target({ livenessProbe: tcp({ periodSeconds: 1 }) }, "hang"));
  mgr.addContainer(target({ livenessProbe: tcp({ periodSeconds: 1 }) }, "ok"));
  await clock.advance(9000);
  assert.equal(calls.filter((c) => c.id === "hang").length, 1);
  assert.equal(calls.filter((c) => c.id === "ok").length, 10);
  assert.equal(mgr.stats().inFlight, 1);
  mgr.removeContainer("hang"); // returns at once although its probe is still in flight
  assert.equal(mgr.stats().workers, 1);
  mgr.stop();
});

test("a probe slower than its period is followed at once by the next, then the grid resumes", async () => {
  const { clock, mgr, calls } = setup(
    (_k, _t, now) =>
      new Promise<HandlerOutcome>((resolve) => {
        clock.setTimeout(() => resolve({ status: "success", message: "" }), now === 0 ? 2500 : 100);
      }),
  );
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1, timeoutSeconds: 3 }) }));
  await clock.advance(5000);
  assert.deepEqual(
    calls.map((c) => c.at),
    [0, 2500, 3000, 4000, 5000],
  );
  mgr.stop();
});

test("every failed probe is reported as unhealthy, below the threshold too; a warning as a warning", async () => {
  let status: HandlerOutcome["status"] = "failure";
  const { clock, mgr, events, unhealthy } = setup(() => status);
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1, failureThreshold: 5 }) }));
  await clock.advance(2000); // failures at 0, 1 and 2 s
  status = "warning";
  await clock.advance(1000);
  status = "success";
  await clock.advance(1000);
  assert.deepEqual(
    unhealthy.map((u) => [u.kind, u.outcome, u.message, u.at]),
    [
      ["readiness", "failure", "readiness failure", 0],
      ["readiness", "failure", "readiness failure", 1000],
      ["readiness", "failure", "readiness failure", 2000],
      ["readiness", "warning", "readiness warning", 3000],
    ],
  );
  assert.equal(unhealthy[0]?.target.containerId, "c1");
  assert.deepEqual(
    events.map((e) => e.result),
    ["success"],
    "the result changes only once the warning (a success) arrives",
  );
  mgr.stop();
});

test("prober errors are discarded: no result, no count", async () => {
  const { clock, mgr, events, unhealthy } = setup(() => "error");
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1, failureThreshold: 1 }) }));
  await clock.advance(5000);
  assert.equal(events.length, 0);
  assert.equal(unhealthy.length, 0);
  assert.equal(mgr.result("c1", "readiness"), undefined);
  assert.equal(mgr.isReady("c1"), false);
  assert.doesNotMatch(mgr.metricsText(), /prober_probe_total\{/);
  mgr.stop();
});

test("warnings (unfollowed redirects) count as success", async () => {
  const { clock, mgr } = setup(() => "warning");
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1 }) }));
  await clock.advance(0);
  assert.equal(mgr.isReady("c1"), true);
  mgr.stop();
});

test("prober_probe_total counts every probe by type and result", async () => {
  const { clock, mgr } = setup((kind, _t, now) =>
    kind === "readiness" && now >= 2000 ? "failure" : "success",
  );
  mgr.addContainer(
    target({
      readinessProbe: tcp({ periodSeconds: 1 }),
      livenessProbe: tcp({ periodSeconds: 1, failureThreshold: 100 }),
    }),
  );
  await clock.advance(4000); // probes at 0..4 s: 5 each
  const id = { podUid: "uid-1", podName: "p", podNamespace: "default", containerName: "app" };
  assert.equal(mgr.probeCount(id, "liveness", "successful"), 5);
  assert.equal(mgr.probeCount(id, "readiness", "successful"), 2);
  assert.equal(mgr.probeCount(id, "readiness", "failed"), 3);
  const text = mgr.metricsText();
  assert.match(text, /# TYPE prober_probe_total counter/);
  assert.match(
    text,
    /prober_probe_total\{probe_type="Readiness",result="failed",container="app",pod="p",namespace="default",pod_uid="uid-1"\} 3/,
  );
  assert.match(
    text,
    /prober_probe_duration_seconds_count\{probe_type="Liveness",container="app",pod="p",namespace="default"\} 5/,
  );
  // Counters survive a container restart (same pod), vanish with the pod.
  mgr.removeContainer("c1");
  assert.equal(mgr.probeCount(id, "liveness", "successful"), 5);
  mgr.removePod("uid-1");
  assert.equal(mgr.probeCount(id, "liveness", "successful"), 0);
  assert.equal(mgr.stats().containers, 0);
  mgr.stop();
});

test("removePod stops all its containers' workers and leaves other pods alone", async () => {
  const { clock, mgr, calls } = setup(() => "success");
  mgr.addContainer(target({ livenessProbe: tcp({ periodSeconds: 1 }) }, "a"));
  mgr.addContainer({ ...target({ livenessProbe: tcp({ periodSeconds: 1 }) }, "b"), podUid: "uid-2" });
  await clock.advance(0);
  mgr.removePod("uid-1");
  await clock.advance(3000);
  assert.equal(calls.filter((c) => c.id === "a").length, 1);
  assert.equal(calls.filter((c) => c.id === "b").length, 4);
  mgr.stop();
  assert.equal(clock.pending, 0, "stop() clears every timer");
});

test("onChange throwing does not stop the worker", async () => {
  const clock = new FakeClock();
  let n = 0;
  let ok = true;
  const mgr = new ProbeManager({
    runtime: noRuntime,
    logger: silentLogger(),
    clock,
    random: () => 0,
    onChange: () => {
      n++;
      throw new Error("boom");
    },
    runProbe: async () => ({ status: ok ? "success" : "failure", message: "" }),
  });
  mgr.addContainer(target({ readinessProbe: tcp({ periodSeconds: 1, failureThreshold: 1 }) }));
  await clock.advance(0);
  ok = false;
  await clock.advance(1000);
  assert.equal(n, 2);
  mgr.stop();
});

test("stopLivenessAndStartup stops those probes of a terminating pod; readiness keeps going", async () => {
  const { clock, mgr, calls, events } = setup((kind) => (kind === "liveness" ? "failure" : "success"));
  mgr.addContainer(
    target({
      readinessProbe: tcp({ periodSeconds: 1 }),
      livenessProbe: tcp({ periodSeconds: 1, failureThreshold: 3 }),
    }),
  );
  await clock.advance(1000); // two liveness failures: below the threshold
  mgr.stopLivenessAndStartup("uid-1");
  await clock.advance(10_000);
  assert.equal(calls.filter((c) => c.kind === "liveness").length, 2);
  assert.ok(calls.filter((c) => c.kind === "readiness").length >= 10);
  assert.ok(!events.some((e) => e.kind === "liveness"));
  mgr.stop();
});
