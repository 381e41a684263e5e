// Gathers what /metrics/resource shows: the running containers of the node's pods (names and start
// time from their status), their usage from the runtime (CRI ListContainerStats), and the node's
// own figures from /proc. A part that cannot be read is left out and flagged as a scrape error.
import type { ContainerStats, Runtime } from "../../cri/runtime.ts";
import type { Logger } from "../log.ts";
import { type NodeUsage, readNodeUsage } from "./node-usage.ts";
import { allContainerStatuses, type PodSource, runtimeContainerId } from "./pod-reader.ts";
import type { ContainerUsage, ResourceStats, Sample } from "./resource-metrics.ts";

export type StatsRuntime = Pick<Runtime, "listContainerStats">;

type RunningContainer = Omit<ContainerUsage, "cpuSeconds" | "workingSetBytes">;

/** The running containers of the source's pods, by runtime container id. */
export function runningContainers(source: PodSource): Map<string, RunningContainer> {
  const out = new Map<string, RunningContainer>();
  for (const { pod, status } of source.pods()) {
    for (const s of allContainerStatuses(status)) {
      const id = runtimeContainerId(s);
      if (!id || !s.state.running) continue;
      const startedMs = Date.parse(s.state.running.startedAt ?? "");
      out.set(id, {
        namespace: pod.metadata.namespace ?? "default",
        pod: pod.metadata.name ?? "",
        container: s.name,
        ...(Number.isFinite(startedMs)
          ? { startTime: { value: startedMs / 1000, timestampMs: startedMs } }
          : {}),
      });
    }
  }
  return out;
}

/** Nanosecond decimal strings to a sample: value scaled by `unit`, timestamp in ms. */
function sample(value: string, timestampNs: string, unit: number): Sample {
  return { value: Number(value) / unit, timestampMs: Number(BigInt(timestampNs) / 1_000_000n) };
}

/** Pure: the usage of the running containers among the runtime's stats (others are not the node's pods'). */
export function containerUsage(
  running: ReadonlyMap<string, RunningContainer>,
  stats: readonly ContainerStats[],
): ContainerUsage[] {
  const out: ContainerUsage[] = [];
  for (const s of stats) {
    const c = running.get(s.id);
    if (!c) continue;
    out.push({
      ...c,
      ...(s.cpu ? { cpuSeconds: sample(s.cpu.usageCoreNanoSeconds, s.cpu.timestamp, 1e9) } : {}),
      ...(s.memory ? { workingSetBytes: sample(s.memory.workingSetBytes, s.memory.timestamp, 1) } : {}),
    });
  }
  return out;
}

export interface ResourceStatsSources {
  source: PodSource;
  runtime: StatsRuntime;
  log: Logger;
  readNode?: () => Promise<NodeUsage>;
}

export async function collectResourceStats(o: ResourceStatsSources): Promise<ResourceStats> {
  const running = runningContainers(o.source);
  const [stats, node] = await Promise.allSettled([
    o.runtime.listContainerStats(),
    (o.readNode ?? readNodeUsage)(),
  ]);
  if (stats.status === "rejected")
    o.log.warn(
      { err: stats.reason },
      `resource metrics: container stats: ${(stats.reason as Error).message}`,
    );
  if (node.status === "rejected")
    o.log.warn({ err: node.reason }, `resource metrics: node usage: ${(node.reason as Error).message}`);
  const n = node.status === "fulfilled" ? node.value : undefined;
  return {
    node: n
      ? {
          cpuSeconds: { value: n.cpuSeconds, timestampMs: n.timestampMs },
          workingSetBytes: { value: n.workingSetBytes, timestampMs: n.timestampMs },
        }
      : {},
    containers: stats.status === "fulfilled" ? containerUsage(running, stats.value) : [],
    scrapeError: stats.status === "rejected" || node.status === "rejected",
  };
}
