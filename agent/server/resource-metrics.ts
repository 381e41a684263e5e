// The kubelet API's /metrics/resource (what metrics-server scrapes for `kubectl top`): node, pod and
// container CPU and working-set memory in the Prometheus text format, each sample with the time it
// was measured (ms) so rates are computed over the runtime's own sampling instants.
import { labelPairs } from "./prometheus-labels.ts";

export interface Sample {
  value: number;
  timestampMs: number;
}

export interface Usage {
  cpuSeconds?: Sample;
  workingSetBytes?: Sample;
}

export interface PodKey {
  namespace: string;
  pod: string;
}

export interface ContainerUsage extends Usage, PodKey {
  container: string;
  startTime?: Sample;
}

export interface ResourceStats {
  node: Usage;
  containers: ContainerUsage[];
  /** Some figures could not be read (the runtime's stats or /proc): scrape_error 1. */
  scrapeError: boolean;
}

/** Pod figures as the sum of their containers', stamped with the latest container sample. */
export function podUsage(containers: readonly ContainerUsage[]): (Usage & PodKey)[] {
  const pods = new Map<string, Usage & PodKey>();
  const add = (a: Sample | undefined, b: Sample | undefined): Sample | undefined =>
    !b ? a : !a ? b : { value: a.value + b.value, timestampMs: Math.max(a.timestampMs, b.timestampMs) };
  for (const c of containers) {
    const key = `${c.namespace}/${c.pod}`;
    const p = pods.get(key) ?? { namespace: c.namespace, pod: c.pod };
    const cpu = add(p.cpuSeconds, c.cpuSeconds);
    const memory = add(p.workingSetBytes, c.workingSetBytes);
    pods.set(key, {
      namespace: c.namespace,
      pod: c.pod,
      ...(cpu ? { cpuSeconds: cpu } : {}),
      ...(memory ? { workingSetBytes: memory } : {}),
    });
  }
  return [...pods.values()];
}

function labels(l: Record<string, string>): string {
  const pairs = labelPairs(Object.entries(l));
  return pairs ? `{${pairs}}` : "";
}

interface Family<T> {
  name: string;
  help: string;
  type: "counter" | "gauge";
  rows: readonly T[];
  sample: (row: T) => Sample | undefined;
  labels: (row: T) => Record<string, string>;
}

function family<T>(f: Family<T>): string[] {
  const lines = [`# HELP ${f.name} [STABLE] ${f.help}`, `# TYPE ${f.name} ${f.type}`];
  for (const row of f.rows) {
    const s = f.sample(row);
    if (s) lines.push(`${f.name}${labels(f.labels(row))} ${s.value} ${Math.round(s.timestampMs)}`);
  }
  return lines;
}

// Label names in the order the kubelet writes them (sorted).
const containerLabels = (c: ContainerUsage) => ({
  container: c.container,
  namespace: c.namespace,
  pod: c.pod,
});
const podLabels = (p: PodKey) => ({ namespace: p.namespace, pod: p.pod });

/** The cpu and working-set families of one scope (container, node, pod), upstream's help texts. */
function usageFamilies<T extends Usage>(
  scope: string,
  rows: readonly T[],
  labels: (row: T) => Record<string, string>,
): string[] {
  return [
    ...family({
      name: `${scope}_cpu_usage_seconds_total`,
      help: `Cumulative cpu time consumed by the ${scope} in core-seconds`,
      type: "counter",
      rows,
      sample: (r) => r.cpuSeconds,
      labels,
    }),
    ...family({
      name: `${scope}_memory_working_set_bytes`,
      help: `Current working set of the ${scope} in bytes`,
      type: "gauge",
      rows,
      sample: (r) => r.workingSetBytes,
      labels,
    }),
  ];
}

export function resourceMetricsText(stats: ResourceStats): string {
  const byName = (a: ContainerUsage, b: ContainerUsage) =>
    `${a.namespace}/${a.pod}/${a.container}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}`);
  const containers = [...stats.containers].sort(byName);
  const error = stats.scrapeError ? 1 : 0;
  return [
    ...usageFamilies("container", containers, containerLabels),
    ...family({
      name: "container_start_time_seconds",
      help: "Start time of the container since unix epoch in seconds",
      type: "gauge",
      rows: containers,
      sample: (c) => c.startTime,
      labels: containerLabels,
    }),
    ...usageFamilies("node", [stats.node], () => ({})),
    ...usageFamilies("pod", podUsage(containers), podLabels),
    // The kubelet's current name, then the name it had before (older scrapers look for that one).
    "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
    "# TYPE resource_scrape_error gauge",
    `resource_scrape_error ${error}`,
    "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise",
    "# TYPE scrape_error gauge",
    `scrape_error ${error}`,
    "",
  ].join("\n");
}
