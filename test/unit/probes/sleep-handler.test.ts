import assert from "node:assert/strict";
import { test } from "node:test";
import { runHandler } from "../../../probes/handlers/index.ts";

const target = { container: { name: "c", image: "i" }, containerId: "id", hostNetwork: false };

test("sleep hook waits its seconds", async () => {
  const t0 = performance.now();
  assert.deepEqual(await runHandler({ sleep: { seconds: 0.05 } }, target, 1000), {
    status: "success",
    message: "",
  });
  assert.ok(performance.now() - t0 >= 45);
});

test("sleep hook is cut by its deadline or an abort", async () => {
  assert.deepEqual(await runHandler({ sleep: { seconds: 5 } }, target, 20), {
    status: "failure",
    message: "container terminated before sleep hook finished",
  });
  const ac = new AbortController();
  const p = runHandler({ sleep: { seconds: 5 } }, target, 10_000, { signal: ac.signal });
  ac.abort();
  assert.equal((await p).status, "failure");
});

test("a handler with no action is a prober error; exec without a runtime too", async () => {
  assert.equal((await runHandler({}, target, 10)).status, "error");
  assert.equal((await runHandler({ exec: { command: ["true"] } }, target, 10)).status, "error");
});
