import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { AdmissionGate } from "../../../agent/cluster/admission-gate.ts";

function pod(uid: string, cpu: string, extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: uid, namespace: "default", uid, creationTimestamp: `2026-11-22T10:00:0${uid.length}Z` },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "i", resources: { requests: { cpu } } }] },
    ...extra,
  };
}

const node = () => ({
  name: "n1",
  labels: {},
  allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
  taints: [],
  pressure: [],
});

test("admission gate: new pods judged once; a started pod is never re-judged; rejected ones reported once", () => {
  const rejected: string[] = [];
  const gate = new AdmissionGate(node as never, (p, r) => rejected.push(`${p.metadata.uid}:${r.reason}`));
  const running = pod("a", "1500m", { status: { startTime: "2026-11-22T09:00:00Z" } });
  assert.deepEqual(
    gate.filter([running, pod("bb", "1")]).map((p) => p.metadata.uid),
    ["a"],
  );
  assert.deepEqual(rejected, ["bb:OutOfcpu"]);
  assert.deepEqual(
    gate.filter([running, pod("bb", "1"), pod("ccc", "100m")]).map((p) => p.metadata.uid),
    ["a", "ccc"],
  );
  assert.deepEqual(rejected, ["bb:OutOfcpu"]);
});

test("admission gate: new pods wait, neither run nor rejected, until the node is known", () => {
  const rejected: string[] = [];
  let known: ReturnType<typeof node> | undefined;
  const gate = new AdmissionGate(
    () => known,
    (p, r) => rejected.push(`${p.metadata.uid}:${r.reason}`),
  );
  const running = pod("a", "1500m", { status: { startTime: "2026-11-22T09:00:00Z" } });
  const pods = [running, pod("bb", "1"), pod("ccc", "100m")];
  assert.deepEqual(
    gate.filter(pods).map((p) => p.metadata.uid),
    ["a"],
    "a pod already started runs at once",
  );
  assert.equal(gate.waiting, 2);
  assert.deepEqual(rejected, []);
  known = node();
  assert.deepEqual(
    gate.filter(pods).map((p) => p.metadata.uid),
    ["a", "ccc"],
  );
  assert.equal(gate.waiting, 0);
  assert.deepEqual(rejected, ["bb:OutOfcpu"]);
});
