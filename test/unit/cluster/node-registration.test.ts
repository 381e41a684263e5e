import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adoptionPatch,
  CONTROLLER_MANAGED_ATTACH_DETACH,
  initialNode,
  missingTaints,
} from "../../../agent/cluster/node/registration.ts";

const desired = {
  name: "n1",
  labels: { "kubernetes.io/hostname": "n1", "kubernetes.io/os": "linux", team: "a" },
  taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" as const }],
  register: true,
};

describe("node registration", () => {
  it("builds the Node to create: labels, attach/detach annotation, taints, status", () => {
    const n = initialNode(desired, { addresses: [{ type: "InternalIP", address: "10.0.0.5" }] });
    assert.deepEqual(n.metadata, {
      name: "n1",
      labels: desired.labels,
      annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
    });
    assert.deepEqual(n.spec, { taints: desired.taints });
    assert.deepEqual(n.status?.addresses, [{ type: "InternalIP", address: "10.0.0.5" }]);
    assert.deepEqual(initialNode({ ...desired, taints: [] }, undefined).spec, {});
  });

  it("adopting patches only the owned labels that differ and the missing annotation", () => {
    const existing = {
      metadata: {
        name: "n1",
        labels: { "kubernetes.io/hostname": "old", "kubernetes.io/os": "linux", extra: "x" },
        annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
      },
    };
    assert.deepEqual(adoptionPatch(existing, desired), {
      metadata: { labels: { "kubernetes.io/hostname": "n1", team: "a" } },
    });
    const inSync = {
      metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...desired.labels } },
    };
    assert.equal(adoptionPatch(inSync, desired), undefined);
    assert.deepEqual(adoptionPatch({ metadata: { ...inSync.metadata, annotations: {} } }, desired), {
      metadata: { annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" } },
    });
  });

  it("finds registration taints an adopted Node lacks", () => {
    assert.deepEqual(missingTaints({ metadata: {} }, desired.taints), desired.taints);
    assert.deepEqual(missingTaints({ metadata: {}, spec: { taints: desired.taints } }, desired.taints), []);
  });
});
