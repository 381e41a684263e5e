// `kubectl get pods` output: the READY / STATUS / RESTARTS / AGE cells computed as kubectl's
// printPod does (pkg/printers/internalversion), and the table laid out like kubectl's tabwriter
// (columns padded to the widest cell + 3 spaces, at least 6; the last column unpadded).
import type { ContainerStatus, Pod } from "../api/pod.ts";
import { humanDuration, timestampSince } from "./duration.ts";

export interface PodRow {
  name: string;
  ready: string;
  status: string;
  restarts: string;
  age: string;
  ip: string;
  node: string;
  nominatedNode: string;
  readinessGates: string;
}

/** Reason kubectl uses for pods of an unreachable node being deleted. */
const NODE_UNREACHABLE_REASON = "NodeLost";

function finishedMs(cs: ContainerStatus): number | undefined {
  const t = cs.lastState?.terminated?.finishedAt;
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function hasCondition(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
}

export function podRow(pod: Pod, nowMs: number): PodRow {
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = pod.spec.containers.length;
  let ready = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined) =>
    b === undefined ? a : a === undefined || b > a ? b : a;

  let reason: string = status.phase ?? "";
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  const sidecars = new Set<string>();
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") {
      sidecars.add(c.name);
      total++;
    }
  }
  const initCount = pod.spec.initContainers?.length ?? 0;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    restarts += cs.restartCount;
    lastRestart = later(lastRestart, finishedMs(cs));
    const isSidecar = sidecars.has(cs.name);
    if (isSidecar) {
      sidecarRestarts += cs.restartCount;
      lastSidecarRestart = later(lastSidecarRestart, finishedMs(cs));
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (isSidecar && cs.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      } else {
        reason = `Init:${term.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(pod, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount;
      lastRestart = later(lastRestart, finishedMs(cs));
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (term?.reason) {
        reason = term.reason;
      } else if (term) {
        reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = hasCondition(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  const phase = status.phase;
  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) {
    reason = "Unknown";
  } else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsStr = `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`;
  }

  const nominated = (status as { nominatedNodeName?: string }).nominatedNodeName;
  let readinessGates = "<none>";
  const gates = pod.spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueCount = 0;
    for (const g of gates) {
      const cond = (status.conditions ?? []).find((c) => c.type === g.conditionType);
      if (cond?.status === "True") trueCount++;
    }
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return {
    name: pod.metadata.name ?? "",
    ready: `${ready}/${total}`,
    status: reason,
    restarts: restartsStr,
    age: timestampSince(pod.metadata.creationTimestamp, nowMs),
    // kubectl reads podIPs[0]; the API server keeps podIP in step, a local status may only have podIP
    ip: status.podIPs?.[0]?.ip || status.podIP || "<none>",
    node: pod.spec.nodeName || "<none>",
    nominatedNode: nominated || "<none>",
    readinessGates,
  };
}

/** The STATUS column. */
export function podStatusReason(pod: Pod, nowMs = 0): string {
  return podRow(pod, nowMs).status;
}

/** The READY column: ready/total, counting sidecars (restartable init containers). */
export function readyColumn(pod: Pod): string {
  return podRow(pod, 0).ready;
}

/** The RESTARTS column, e.g. "3 (2m ago)". */
export function restartsColumn(pod: Pod, nowMs: number): string {
  return podRow(pod, nowMs).restarts;
}

/** The AGE column. */
export function ageColumn(pod: Pod, nowMs: number): string {
  return timestampSince(pod.metadata.creationTimestamp, nowMs);
}

const TAB_MIN_WIDTH = 6;
const TAB_PADDING = 3;

function width(s: string): number {
  return [...s].length;
}

/** Lays out rows like kubectl's tabwriter (minwidth 6, padding 3, space padded). */
export function formatTable(rows: string[][]): string {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) {
    let w = TAB_MIN_WIDTH;
    for (const r of rows) {
      const cell = r[c];
      if (cell !== undefined && c < r.length - 1) w = Math.max(w, width(cell) + TAB_PADDING);
    }
    widths.push(w);
  }
  return rows
    .map((r) =>
      r.map((cell, c) => (c < r.length - 1 ? cell + " ".repeat(widths[c]! - width(cell)) : cell)).join(""),
    )
    .map((line) => `${line}\n`)
    .join("");
}

export interface PodTableOptions {
  wide?: boolean;
  /** Adds the NAMESPACE column first, like `kubectl get pods -A`. */
  allNamespaces?: boolean;
  /** Current time, ms since the epoch. */
  now: number;
}

/** `kubectl get pods` text for these pods ("" when there are none). */
export function formatPodTable(pods: readonly Pod[], options: PodTableOptions): string {
  if (pods.length === 0) return "";
  const header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
  if (options.wide) header.push("IP", "NODE", "NOMINATED NODE", "READINESS GATES");
  if (options.allNamespaces) header.unshift("NAMESPACE");
  const rows = [header];
  for (const pod of pods) {
    const r = podRow(pod, options.now);
    const cells = [r.name, r.ready, r.status, r.restarts, r.age];
    if (options.wide) cells.push(r.ip, r.node, r.nominatedNode, r.readinessGates);
    if (options.allNamespaces) cells.unshift(pod.metadata.namespace ?? "default");
    rows.push(cells);
  }
  return formatTable(rows);
}
