// Shared bits of the probe end-to-end tests: manifests, pod lookup, timestamps from the daemon's
// log lines and from the CRI container log, and the `nodelet get pods` table.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Pod } from "../../../agent/api/pod.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";

const run = promisify(execFile);
const NODELET = resolve(import.meta.dirname, "../../../bin/nodelet");

export function podManifest(name: string, spec: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n${spec}`;
}

/** Static pods are named `<name>-<node>`. */
export function findPod(pods: Pod[], name: string): Pod | undefined {
  return pods.find((p) => p.metadata.name === `${name}-test-node`);
}

export function conditionStatus(pod: Pod | undefined, type: string): string | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type)?.status;
}

export type LogLine = Record<string, unknown>;

/** The first daemon log line matching pred, after `since` (epoch ms) if given. */
export function findLogLine(
  nodelet: NodeletHandle,
  pred: (l: LogLine) => boolean,
  since = 0,
): LogLine | undefined {
  return nodelet.logLines().find((l) => typeof l.time === "number" && l.time >= since && pred(l));
}

/** pino's `time` (epoch ms) of a line. */
export function lineTime(l: LogLine | undefined): number {
  return typeof l?.time === "number" ? l.time : Number.NaN;
}

/**
 * When a container printed `text`, from the CRI log file's own timestamp (nanoseconds, written by
 * containerd as the line arrives), so the test knows when the container did something.
 */
export function containerLogTime(
  nodelet: NodeletHandle,
  pod: Pod,
  container: string,
  text: string,
  restartCount = 0,
): number | undefined {
  const dir = `${pod.metadata.namespace ?? "default"}_${pod.metadata.name}_${pod.metadata.uid}`;
  let content: string;
  try {
    content = readFileSync(join(nodelet.podLogsDir, dir, container, `${restartCount}.log`), "utf8");
  } catch {
    return undefined;
  }
  for (const line of content.split("\n")) {
    const [ts, , , ...rest] = line.split(" ");
    if (ts && rest.join(" ") === text) return Date.parse(ts.replace(/(\.\d{3})\d*Z$/, "$1Z"));
  }
  return undefined;
}

/** `nodelet get pods` as {podName: [READY, STATUS, RESTARTS]}. */
export async function getPodsTable(nodelet: NodeletHandle): Promise<Record<string, string[]>> {
  const { stdout } = await run(NODELET, ["get", "pods", "--root-dir", nodelet.rootDir]);
  const rows = stdout
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(/\s{2,}/));
  return Object.fromEntries(
    rows.map((r) => [r[0] ?? "", [r[1] ?? "", r[2] ?? "", r[3]?.split(" ")[0] ?? ""]]),
  );
}
