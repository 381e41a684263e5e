// Node capacity and allocatable (SPEC §5 "Node"): allocatable = capacity − kubeReserved −
// systemReserved − the hard eviction threshold (memory.available, nodefs.available), and memory
// also less the hugepages (as upstream). Plain numbers in, API quantity strings out.
import type { ResourceList } from "../../api/node.ts";
import { formatQuantity, Quantity } from "../../resources/quantity.ts";

export interface MachineCapacity {
  milliCPU: number;
  memoryBytes: number;
  /** Size of the filesystem holding the kubelet root dir (nodefs). */
  ephemeralStorageBytes: number;
  /** Page size as a quantity ("2Mi", "1Gi") → bytes reserved as hugepages of that size. */
  hugepages: Record<string, number>;
}

export interface Reserved {
  milliCPU: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

/** An eviction threshold: an absolute amount, or a fraction (0–1) of the capacity. */
export type Threshold = { quantity: number } | { percentage: number };

export interface EvictionHard {
  memoryAvailable: Threshold;
  nodefsAvailable: Threshold;
  nodefsInodesFree: Threshold;
  /** Upstream has no default pid.available threshold (PIDPressure only when one is set). */
  pidAvailable?: Threshold;
}

/** Upstream Linux defaults (imagefs is not watched separately here). */
export const DEFAULT_EVICTION_HARD: EvictionHard = {
  memoryAvailable: { quantity: 100 * 1024 * 1024 },
  nodefsAvailable: { percentage: 0.1 },
  nodefsInodesFree: { percentage: 0.05 },
};

export interface NodeAllocatable {
  milliCPU: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  pods: number;
  hugepages: Record<string, number>;
}

export function thresholdValue(t: Threshold, capacity: number): number {
  // upstream: int64(float64(capacity) * percentage)
  return "quantity" in t ? t.quantity : Math.floor(capacity * t.percentage);
}

export function nodeAllocatable(
  capacity: MachineCapacity,
  maxPods: number,
  reserved: Reserved,
  eviction: EvictionHard = DEFAULT_EVICTION_HARD,
): NodeAllocatable {
  const hugepagesTotal = Object.values(capacity.hugepages).reduce((a, b) => a + b, 0);
  const atLeastZero = (n: number) => Math.max(0, n);
  return {
    milliCPU: atLeastZero(capacity.milliCPU - reserved.milliCPU),
    memoryBytes: atLeastZero(
      capacity.memoryBytes -
        reserved.memoryBytes -
        thresholdValue(eviction.memoryAvailable, capacity.memoryBytes) -
        hugepagesTotal,
    ),
    ephemeralStorageBytes: atLeastZero(
      capacity.ephemeralStorageBytes -
        reserved.ephemeralStorageBytes -
        thresholdValue(eviction.nodefsAvailable, capacity.ephemeralStorageBytes),
    ),
    pods: maxPods,
    hugepages: { ...capacity.hugepages },
  };
}

export function cpuQuantity(milliCPU: number): string {
  return formatQuantity(new Quantity(BigInt(Math.round(milliCPU)), 3, "DecimalSI"));
}

export function bytesQuantity(bytes: number): string {
  return formatQuantity(new Quantity(BigInt(Math.round(bytes)), 0, "BinarySI"));
}

function toResourceList(r: NodeAllocatable): ResourceList {
  const list: ResourceList = {
    cpu: cpuQuantity(r.milliCPU),
    "ephemeral-storage": bytesQuantity(r.ephemeralStorageBytes),
    memory: bytesQuantity(r.memoryBytes),
    pods: String(r.pods),
  };
  for (const [size, bytes] of Object.entries(r.hugepages)) list[`hugepages-${size}`] = bytesQuantity(bytes);
  return list;
}

export function capacityList(capacity: MachineCapacity, maxPods: number): ResourceList {
  return toResourceList({ ...capacity, pods: maxPods });
}

export function allocatableList(allocatable: NodeAllocatable): ResourceList {
  return toResourceList(allocatable);
}
