import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod, PodStatus } from "../../../agent/api/pod.ts";
import {
  planMirrorPods,
  mirrorPodFor,
  ANNOTATION_CONFIG_MIRROR,
} from "../../../agent/cluster/mirror-pods.ts";
import { podStatusPatch } from "../../../agent/cluster/status-patch.ts";
import { podPhase } from "../../../agent/pod/phase.ts";

const running: PodStatus = {
  phase: "Running",
  conditions: [
    { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-11-22T10:00:00Z" },
  ],
  podIP: "10.244.0.5",
  containerStatuses: [
    {
      name: "c",
      ready: true,
      restartCount: 0,
      image: "busybox:1.36",
      imageID: "",
      state: { running: { startedAt: "2026-11-22T10:00:00Z" } },
      lastState: {},
    },
  ],
};

test("status patch: nothing to send when the API holds the same (nulls are never stored by the API)", () => {
  const api = JSON.parse(JSON.stringify(running)) as PodStatus;
  delete (api.conditions![0] as { lastProbeTime?: unknown }).lastProbeTime;
  assert.equal(podStatusPatch("u1", api, running), undefined);
});

test("status patch: changed fields sent with the uid precondition; fields the kubelet dropped are nulled; foreign fields untouched", () => {
  const api = { ...running, message: "old", nominatedNodeName: "x" } as PodStatus;
  const desired: PodStatus = { ...running, phase: "Failed" };
  const patch = podStatusPatch("u1", api, desired);
  assert.ok(patch);
  assert.deepEqual(patch.metadata, { uid: "u1" });
  assert.equal(patch.status.phase, "Failed");
  assert.equal(patch.status.message, null);
  assert.equal("nominatedNodeName" in patch.status, false);
  assert.equal("lastProbeTime" in (patch.status.conditions as object[])[0]!, false);
});

function staticPod(name: string, hash: string): Pod {
  return {
    metadata: {
      name,
      namespace: "kube-system",
      uid: hash,
      annotations: { "kubernetes.io/config.hash": hash },
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  };
}

function mirror(name: string, hash: string, deleting = false): Pod {
  return {
    metadata: {
      name,
      namespace: "kube-system",
      uid: `api-${name}`,
      annotations: { [ANNOTATION_CONFIG_MIRROR]: hash },
      ...(deleting ? { deletionTimestamp: "2026-11-22T10:00:00Z" } : {}),
    },
    spec: { containers: [] },
  };
}

test("mirror pods: created when missing, replaced when outdated or being deleted, removed without a static pod", () => {
  const plan = planMirrorPods(
    [staticPod("a-n1", "h1"), staticPod("b-n1", "h2"), staticPod("c-n1", "h3"), staticPod("d-n1", "h4")],
    [mirror("b-n1", "h2"), mirror("c-n1", "old"), mirror("d-n1", "h4", true), mirror("gone-n1", "h9")],
  );
  assert.deepEqual(
    plan.create.map((p) => p.metadata.name),
    ["a-n1"],
  );
  assert.deepEqual(plan.delete.map((p) => p.metadata.name).sort(), ["c-n1", "d-n1", "gone-n1"]);
});

test("mirror pod object: owned by the node, mirror annotation = config hash, no uid", () => {
  const m = mirrorPodFor(staticPod("a-n1", "h1"), { name: "n1", uid: "node-uid" });
  assert.equal(m.metadata.uid, undefined);
  assert.equal(m.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR], "h1");
  assert.deepEqual(m.metadata.ownerReferences, [
    { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid", controller: true },
  ]);
});

test("phase of a deleted pod whose containers stopped: Succeeded if all exited 0, else Failed, whatever the policy", () => {
  const pod: Pod = {
    metadata: { name: "p" },
    spec: {
      restartPolicy: "Always",
      containers: [
        { name: "a", image: "i" },
        { name: "b", image: "i" },
      ],
    },
  };
  const term = (name: string, exitCode: number) => ({
    name,
    ready: false,
    restartCount: 0,
    image: "i",
    imageID: "",
    lastState: {},
    state: { terminated: { exitCode, startedAt: "", finishedAt: "" } },
  });
  assert.equal(podPhase(pod, [], [term("a", 0), term("b", 0)]), "Running");
  assert.equal(podPhase(pod, [], [term("a", 0), term("b", 0)], true), "Succeeded");
  assert.equal(podPhase(pod, [], [term("a", 0), term("b", 143)], true), "Failed");
});
