// The Node's status as the kubelet reports it, and the decision to write it: when it changed
// (heartbeat times aside) or when the report period has passed since the last write.
import { isDeepStrictEqual } from "node:util";
import type { ContainerImage, NodeCondition, NodeStatus, NodeSystemInfo } from "../../api/node.ts";
import { allocatableList, capacityList, type MachineCapacity, type NodeAllocatable } from "./resources.ts";

/** Upstream nodeStatusMaxImages and MaxNamesPerImageInNodeStatus. */
export const MAX_IMAGES = 50;
export const MAX_NAMES_PER_IMAGE = 5;

/** An image as the CRI lists it. */
export interface RuntimeImage {
  repoTags?: readonly string[];
  repoDigests?: readonly string[];
  size: number;
}

/** Largest first, digests then tags, at most 5 names each; images with no name are left out. */
export function nodeImages(images: readonly RuntimeImage[], max: number = MAX_IMAGES): ContainerImage[] {
  return [...images]
    .sort((a, b) => b.size - a.size)
    .map((i) => ({
      names: [...(i.repoDigests ?? []), ...(i.repoTags ?? [])].slice(0, MAX_NAMES_PER_IMAGE),
      sizeBytes: i.size,
    }))
    .filter((i) => i.names.length > 0)
    .slice(0, max);
}

/** "containerd://1.6.20" from the CRI Version answer. */
export function runtimeVersionString(v: { runtimeName: string; runtimeVersion: string }): string {
  return `${v.runtimeName}://${v.runtimeVersion}`;
}

export interface StatusInputs {
  nodeIP: string;
  hostname: string;
  nodeInfo: NodeSystemInfo;
  capacity: MachineCapacity;
  maxPods: number;
  allocatable: NodeAllocatable;
  conditions: NodeCondition[];
  images: ContainerImage[];
  kubeletPort: number;
}

export function nodeStatus(i: StatusInputs): NodeStatus {
  return {
    capacity: capacityList(i.capacity, i.maxPods),
    allocatable: allocatableList(i.allocatable),
    conditions: i.conditions,
    addresses: [
      { type: "InternalIP", address: i.nodeIP },
      { type: "Hostname", address: i.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: i.nodeInfo,
    images: i.images,
  };
}

function withoutHeartbeats(s: NodeStatus): NodeStatus {
  return { ...s, conditions: s.conditions?.map(({ lastHeartbeatTime: _, ...c }) => c) };
}

/** True when anything but the conditions' lastHeartbeatTime differs. */
export function statusChanged(previous: NodeStatus | undefined, next: NodeStatus): boolean {
  return previous === undefined || !isDeepStrictEqual(withoutHeartbeats(previous), withoutHeartbeats(next));
}

export function shouldWriteStatus(o: {
  changed: boolean;
  lastWriteMs: number | undefined;
  nowMs: number;
  reportFrequencyMs: number;
}): boolean {
  return o.changed || o.lastWriteMs === undefined || o.nowMs - o.lastWriteMs >= o.reportFrequencyMs;
}

/**
 * Strategic-merge patch body for /status: the whole computed status (conditions and addresses
 * merge by type, so the network plugin's NetworkUnavailable survives; images are replaced), with
 * capacity/allocatable entries that disappeared since the last write deleted.
 */
export function statusPatch(
  previous: NodeStatus | undefined,
  next: NodeStatus,
): { status: Record<string, unknown> } {
  const removed = (key: "capacity" | "allocatable") => {
    const out: Record<string, string | null> = { ...next[key] };
    for (const name of Object.keys(previous?.[key] ?? {})) if (!(name in out)) out[name] = null;
    return out;
  };
  return { status: { ...next, capacity: removed("capacity"), allocatable: removed("allocatable") } };
}
