// Shapes shared by the probe workers, the manager and the agent that consumes probe results.
import type { Container } from "../agent/api/pod.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";
export type ProbeResult = "success" | "failure";

/** One container instance to probe. A restarted container is a new target (new containerId). */
export interface ProbeTarget {
  podUid: string;
  podName: string;
  podNamespace: string;
  /** The container spec, with defaults applied. */
  container: Container;
  /** Runtime id of THIS container instance. */
  containerId: string;
  /** Host for httpGet/tcpSocket/grpc when the action names none. */
  podIP?: string;
  /** The pod shares the node's network namespace: the node (127.0.0.1) is the default host. */
  hostNetwork: boolean;
  /** Container start time (ms since the epoch); initialDelaySeconds counts from here. */
  startedAtMs: number;
}

export interface ProbeEvent {
  kind: ProbeKind;
  target: ProbeTarget;
  result: ProbeResult;
  previous: ProbeResult | undefined;
  /** The handler's message for the probe that decided the result (e.g. "HTTP probe failed with statuscode: 500"). */
  message: string;
}

/** One probe that failed or warned, whatever the thresholds make of it. */
export interface ProbeOutcomeEvent {
  kind: ProbeKind;
  target: ProbeTarget;
  outcome: "failure" | "warning";
  message: string;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}
