import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isNotFound, toRuntimeError } from "../../../cri/grpc/errors.ts";
import { RuntimeError } from "../../../cri/runtime.ts";

describe("toRuntimeError", () => {
  it("classifies gRPC codes and names the method", () => {
    const cases: [number, RuntimeError["code"]][] = [
      [5, "NotFound"],
      [6, "AlreadyExists"],
      [4, "DeadlineExceeded"],
      [14, "Unavailable"],
      [2, "Unknown"],
      [13, "Unknown"],
    ];
    for (const [code, expected] of cases) {
      const err = toRuntimeError("StartContainer", { code, details: "boom", message: `${code} X: boom` });
      assert.ok(err instanceof RuntimeError);
      assert.equal(err.code, expected);
      assert.equal(err.message, "CRI StartContainer: boom");
    }
  });

  it("treats containerd's reserved-name error as AlreadyExists", () => {
    const err = toRuntimeError("RunPodSandbox", {
      code: 2,
      details:
        'failed to reserve sandbox name "web_default_u_0": name "web_default_u_0" is reserved for "abc"',
    });
    assert.equal(err.code, "AlreadyExists");
  });

  it("recognises NOT_FOUND in raw and translated errors", () => {
    assert.equal(isNotFound({ code: 5 }), true);
    assert.equal(isNotFound(new RuntimeError("NotFound", "x")), true);
    assert.equal(isNotFound(new RuntimeError("Unknown", "x")), false);
    assert.equal(isNotFound(new Error("x")), false);
  });
});
