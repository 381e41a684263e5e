// Events the kubelet half reports about pods and its node (what `kubectl describe` lists). The
// recorder never blocks and never throws: events are best-effort, as upstream.
import type { Pod } from "../api/pod.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** An event about the pod as a whole. */
  event(pod: Pod, type: EventType, reason: string, message: string): void;
  /** An event about one container of the pod (involvedObject.fieldPath names it). */
  containerEvent(pod: Pod, container: string, type: EventType, reason: string, message: string): void;
  /** An event about this node. */
  nodeEvent(type: EventType, reason: string, message: string): void;
}

/**
 * Upstream's field path of a container in its pod: `spec.containers{name}`,
 * `spec.initContainers{name}` (sidecars too) or `spec.ephemeralContainers{name}`.
 */
export function containerFieldPath(pod: Pod, container: string): string {
  if ((pod.spec.initContainers ?? []).some((c) => c.name === container))
    return `spec.initContainers{${container}}`;
  const ephemeral = (pod.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers;
  if (ephemeral?.some((c) => c.name === container)) return `spec.ephemeralContainers{${container}}`;
  return `spec.containers{${container}}`;
}

/** Records nothing (tests that do not look at events). */
export const discardEvents: EventRecorder = {
  event() {},
  containerEvent() {},
  nodeEvent() {},
};
