import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeStatus } from "../../../agent/api/node.ts";
import { nodeConditions } from "../../../agent/cluster/node/conditions.ts";
import { nodeAllocatable } from "../../../agent/cluster/node/resources.ts";
import {
  nodeImages,
  nodeStatus,
  runtimeVersionString,
  shouldWriteStatus,
  statusChanged,
  statusPatch,
} from "../../../agent/cluster/node/status.ts";

const calm = { memory: false, disk: false, pid: false };
const capacity = {
  milliCPU: 2000,
  memoryBytes: 4 * 2 ** 30,
  ephemeralStorageBytes: 100 * 2 ** 30,
  hugepages: {},
};
const nodeInfo = {
  machineID: "m",
  systemUUID: "u",
  bootID: "b",
  kernelVersion: "6.1.0",
  osImage: "Debian GNU/Linux 12 (bookworm)",
  containerRuntimeVersion: "containerd://1.6.20",
  kubeletVersion: "v1.36.3+nodelet",
  kubeProxyVersion: "v1.36.3+nodelet",
  operatingSystem: "linux",
  architecture: "amd64",
};

function status(
  at: string,
  opts: { ready?: boolean; images?: NodeStatus["images"]; previous?: NodeStatus } = {},
) {
  const health = opts.ready === false ? { ok: false, reason: "down" } : { ok: true };
  return nodeStatus({
    nodeIP: "10.0.0.5",
    hostname: "n1",
    nodeInfo,
    capacity,
    maxPods: 110,
    allocatable: nodeAllocatable(capacity, 110, { milliCPU: 0, memoryBytes: 0, ephemeralStorageBytes: 0 }),
    conditions: nodeConditions(opts.previous?.conditions, calm, health, at),
    images: opts.images ?? [],
    kubeletPort: 10250,
  });
}

describe("node status", () => {
  it("carries addresses, daemon endpoint, nodeInfo, capacity and allocatable", () => {
    const s = status("2026-01-01T00:00:00Z");
    assert.deepEqual(s.addresses, [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "Hostname", address: "n1" },
    ]);
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.equal(s.nodeInfo, nodeInfo);
    assert.deepEqual(s.capacity, { cpu: "2", "ephemeral-storage": "100Gi", memory: "4Gi", pods: "110" });
    assert.equal(s.allocatable?.memory, "3996Mi");
  });

  it("names the runtime as scheme://version", () => {
    assert.equal(
      runtimeVersionString({ runtimeName: "containerd", runtimeVersion: "1.6.20" }),
      "containerd://1.6.20",
    );
  });

  it("lists at most 50 images, largest first, digests before tags, 5 names each, unnamed ones left out", () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      repoTags: [`img${i}:1`],
      repoDigests: [],
      size: i,
    }));
    const out = nodeImages([
      ...many,
      { repoTags: [], repoDigests: [], size: 1e12 },
      {
        repoTags: ["a:1", "a:2", "a:3", "a:4"],
        repoDigests: ["a@sha256:1", "a@sha256:2"],
        size: 1e9,
      },
    ]);
    assert.equal(out.length, 50);
    assert.deepEqual(out[0], { names: ["a@sha256:1", "a@sha256:2", "a:1", "a:2", "a:3"], sizeBytes: 1e9 });
    assert.deepEqual(out[1], { names: ["img59:1"], sizeBytes: 59 });
    assert.equal(out[49]!.names[0], "img11:1");
  });

  it("a new heartbeat alone is no change; a condition, image or address change is", () => {
    const s0 = status("2026-01-01T00:00:00Z");
    const s1 = status("2026-01-01T00:00:10Z", { previous: s0 });
    assert.equal(statusChanged(s0, s1), false);
    assert.equal(statusChanged(undefined, s1), true);
    assert.equal(statusChanged(s0, status("2026-01-01T00:00:10Z", { previous: s0, ready: false })), true);
    assert.equal(
      statusChanged(
        s0,
        status("2026-01-01T00:00:10Z", { previous: s0, images: [{ names: ["x"], sizeBytes: 1 }] }),
      ),
      true,
    );
    assert.equal(
      statusChanged(s0, { ...s1, addresses: [{ type: "InternalIP", address: "10.0.0.6" }] }),
      true,
    );
  });

  it("writes when changed, first, or once the report period has passed", () => {
    const at = (nowMs: number, changed = false, lastWriteMs: number | null = 0) =>
      shouldWriteStatus({
        changed,
        lastWriteMs: lastWriteMs ?? undefined,
        nowMs,
        reportFrequencyMs: 300_000,
      });
    assert.equal(at(10_000), false);
    assert.equal(at(10_000, true), true);
    assert.equal(at(10_000, false, null), true);
    assert.equal(at(299_999), false);
    assert.equal(at(300_000), true);
  });

  it("patch deletes capacity/allocatable entries that went away, keeps the rest whole", () => {
    const s0 = status("2026-01-01T00:00:00Z");
    const before = { ...s0, capacity: { ...s0.capacity, "hugepages-2Mi": "0" } };
    const p = statusPatch(before, s0);
    assert.equal((p.status.capacity as Record<string, unknown>)["hugepages-2Mi"], null);
    assert.equal((p.status.capacity as Record<string, unknown>).cpu, "2");
    assert.deepEqual(p.status.conditions, s0.conditions);
    assert.deepEqual(statusPatch(undefined, s0).status.capacity, s0.capacity);
  });
});
