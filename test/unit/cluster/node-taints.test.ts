import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTaint, parseTaints, TaintError } from "../../../agent/cluster/node/taints.ts";

describe("--register-with-taints", () => {
  it("parses key=value:Effect and key:Effect", () => {
    assert.deepEqual(parseTaint("dedicated=gpu:NoSchedule"), {
      key: "dedicated",
      value: "gpu",
      effect: "NoSchedule",
    });
    assert.deepEqual(parseTaint("example.com/maint:NoExecute"), {
      key: "example.com/maint",
      effect: "NoExecute",
    });
    assert.deepEqual(parseTaint("k=:PreferNoSchedule"), { key: "k", effect: "PreferNoSchedule" });
  });

  it("parses a list and a comma-separated string", () => {
    assert.deepEqual(parseTaints(["a=1:NoSchedule", "b:NoExecute"]), [
      { key: "a", value: "1", effect: "NoSchedule" },
      { key: "b", effect: "NoExecute" },
    ]);
    assert.deepEqual(
      parseTaints("a=1:NoSchedule,b:NoExecute,"),
      parseTaints(["a=1:NoSchedule", "b:NoExecute"]),
    );
    assert.deepEqual(parseTaints([]), []);
  });

  it("names the bad effect and the allowed ones", () => {
    assert.throws(
      () => parseTaint("a=1:NoScheduel"),
      (err: Error) =>
        err instanceof TaintError &&
        err.message ===
          'invalid taint "a=1:NoScheduel": effect "NoScheduel" is not one of NoSchedule, PreferNoSchedule, NoExecute',
    );
  });

  it("requires an effect and well-formed key and value", () => {
    assert.throws(() => parseTaint("a=1"), /invalid taint "a=1": an effect is required/);
    assert.throws(() => parseTaint("a:b:NoSchedule"), /more than one ':'/);
    assert.throws(() => parseTaint("a=b=c:NoSchedule"), /more than one '='/);
    assert.throws(() => parseTaint("=v:NoSchedule"), /invalid taint "=v:NoSchedule": key/);
    assert.throws(
      () => parseTaint("k=bad value:NoSchedule"),
      /invalid taint "k=bad value:NoSchedule": value/,
    );
  });

  it("refuses the same key and effect twice", () => {
    assert.throws(
      () => parseTaints(["a=1:NoSchedule", "a=2:NoSchedule"]),
      /taint a:NoSchedule is given twice/,
    );
    assert.equal(parseTaints(["a=1:NoSchedule", "a=1:NoExecute"]).length, 2);
  });
});
