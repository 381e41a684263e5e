import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  defaultNodeLabels,
  goArch,
  isKubeletLabel,
  labelsToPatch,
  NodeLabelError,
  validateNodeLabels,
} from "../../../agent/cluster/node/labels.ts";

describe("node labels", () => {
  it("sets hostname, GA and beta os/arch labels with Go's arch names", () => {
    assert.deepEqual(defaultNodeLabels("n1", "amd64"), {
      "kubernetes.io/hostname": "n1",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "beta.kubernetes.io/arch": "amd64",
    });
    assert.equal(goArch("x64"), "amd64");
    assert.equal(goArch("arm64"), "arm64");
  });

  it("accepts user labels and the kubelet's allowed kubernetes.io labels and namespaces", () => {
    validateNodeLabels({
      "example.com/team": "a",
      plain: "",
      "node.kubernetes.io/instance-type": "m5",
      "topology.kubernetes.io/zone": "z1",
      "kubelet.kubernetes.io/x": "1",
      "foo.node.kubernetes.io/y": "2",
    });
    assert.ok(isKubeletLabel("node.kubernetes.io/anything"));
    assert.ok(!isKubeletLabel("node-role.kubernetes.io/worker"));
  });

  it("rejects labels NodeRestriction refuses, naming them all and the rule", () => {
    assert.throws(
      () =>
        validateNodeLabels({
          "node-restriction.kubernetes.io/pool": "a",
          "node-role.kubernetes.io/worker": "",
          "example.k8s.io/x": "y",
          "ok.example.com/z": "1",
        }),
      (err: Error) => {
        assert.ok(err instanceof NodeLabelError);
        assert.match(
          err.message,
          /\[example\.k8s\.io\/x node-restriction\.kubernetes\.io\/pool node-role\.kubernetes\.io\/worker\]/,
        );
        assert.match(err.message, /kubelet\.kubernetes\.io, node\.kubernetes\.io/);
        assert.match(err.message, /kubernetes\.io\/hostname/);
        return true;
      },
    );
  });

  it("rejects malformed keys and values", () => {
    assert.throws(() => validateNodeLabels({ "bad key": "v" }), /invalid node labels: bad key:/);
    assert.throws(() => validateNodeLabels({ k: "-v" }), /invalid node labels: k=-v:/);
  });

  it("patches only labels that differ or are missing, never removes others", () => {
    assert.equal(labelsToPatch({ a: "1", other: "x" }, { a: "1" }), undefined);
    assert.deepEqual(labelsToPatch({ a: "1", b: "2" }, { a: "2", c: "3" }), { a: "2", c: "3" });
    assert.deepEqual(labelsToPatch(undefined, { a: "1" }), { a: "1" });
  });
});
