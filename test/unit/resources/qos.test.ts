import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod, QOSClass } from "../../../agent/api/pod.ts";
import { qosClass } from "../../../agent/resources/qos.ts";
import { ctr, pod, sidecar } from "./helpers.ts";

const g = { cpu: "100m", memory: "100Mi" };

describe("qosClass (upstream ComputePodQOS table)", () => {
  const cases: [string, Pod, QOSClass][] = [
    ["no resources anywhere", pod([ctr("a"), ctr("b")]), "BestEffort"],
    [
      "only non-qos resources",
      pod([ctr("a", { "nvidia.com/gpu": "1" }, { "nvidia.com/gpu": "1" })]),
      "BestEffort",
    ],
    ["zero requests count as none", pod([ctr("a", { cpu: "0", memory: "0" })]), "BestEffort"],
    ["one container requests == limits", pod([ctr("a", g, g)]), "Guaranteed"],
    ["limits only (requests default to limits)", pod([ctr("a", undefined, g)]), "Guaranteed"],
    [
      "two guaranteed containers",
      pod([ctr("a", g, g), ctr("b", undefined, { cpu: "1", memory: "1Gi" })]),
      "Guaranteed",
    ],
    ["cpu limit only", pod([ctr("a", undefined, { cpu: "100m" })]), "Burstable"],
    ["requests only", pod([ctr("a", g)]), "Burstable"],
    ["requests below limits", pod([ctr("a", { cpu: "50m", memory: "100Mi" }, g)]), "Burstable"],
    ["one guaranteed one besteffort", pod([ctr("a", g, g), ctr("b")]), "Burstable"],
    ["guaranteed app, besteffort init", pod([ctr("a", g, g)], [ctr("i")]), "Burstable"],
    [
      "guaranteed app and init",
      pod([ctr("a", g, g)], [ctr("i", undefined, { cpu: "1", memory: "1Gi" })]),
      "Guaranteed",
    ],
    ["besteffort app, burstable init", pod([ctr("a")], [ctr("i", { memory: "1Mi" })]), "Burstable"],
    ["guaranteed app, guaranteed sidecar", pod([ctr("a", g, g)], [sidecar("s", g, g)]), "Guaranteed"],
    [
      "ephemeral-storage request does not matter",
      pod([ctr("a", { ...g, "ephemeral-storage": "1Gi" }, g)]),
      "Guaranteed",
    ],
    [
      "equal values in different units",
      pod([ctr("a", { cpu: "0.1", memory: "104857600" }, g)]),
      "Guaranteed",
    ],
    // upstream compares pod-level sums, not each container
    [
      "sums equal though containers differ",
      pod([
        ctr("a", { cpu: "1", memory: "1Gi" }, { cpu: "2", memory: "1Gi" }),
        ctr("b", { cpu: "2", memory: "1Gi" }, { cpu: "1", memory: "1Gi" }),
      ]),
      "Guaranteed",
    ],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.equal(qosClass(p), want));
});
