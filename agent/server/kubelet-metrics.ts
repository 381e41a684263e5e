// The kubelet API's /metrics: the node's pod and container gauges and the process metrics, in the
// Prometheus text format (the probe counters are /metrics/probes, from the prober itself).
import type { PodView } from "../kubelet.ts";
import { allContainerStatuses } from "./pod-reader.ts";
import { labelPairs } from "./prometheus-labels.ts";

export interface ProcessSample {
  startTimeSeconds: number;
  cpuSeconds: number;
  residentBytes: number;
}

export function processSample(): ProcessSample {
  const cpu = process.cpuUsage();
  return {
    startTimeSeconds: Math.floor(Date.now() / 1000 - process.uptime()),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: process.memoryUsage.rss(),
  };
}

export function kubeletMetricsText(nodeName: string, pods: readonly PodView[], proc: ProcessSample): string {
  let runningPods = 0;
  const containers = { running: 0, exited: 0, created: 0 };
  for (const { status } of pods) {
    const statuses = allContainerStatuses(status);
    if (statuses.some((c) => c.state.running)) runningPods++;
    for (const c of statuses) {
      if (c.state.running) containers.running++;
      else if (c.state.terminated) containers.exited++;
      else if (c.containerID) containers.created++;
    }
  }
  return [
    "# HELP kubelet_node_name [ALPHA] The node's name. The count is always 1.",
    "# TYPE kubelet_node_name gauge",
    `kubelet_node_name{${labelPairs([["node", nodeName]])}} 1`,
    "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running container",
    "# TYPE kubelet_running_pods gauge",
    `kubelet_running_pods ${runningPods}`,
    "# HELP kubelet_running_containers [ALPHA] Number of containers currently running",
    "# TYPE kubelet_running_containers gauge",
    ...Object.entries(containers).map(
      ([state, n]) => `kubelet_running_containers{container_state="${state}"} ${n}`,
    ),
    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
    "# TYPE process_cpu_seconds_total counter",
    `process_cpu_seconds_total ${proc.cpuSeconds}`,
    "# HELP process_resident_memory_bytes Resident memory size in bytes.",
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${proc.residentBytes}`,
    "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
    "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${proc.startTimeSeconds}`,
    "",
  ].join("\n");
}
