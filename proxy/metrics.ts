// The proxy's Prometheus metrics, written in the text exposition format (no client library needed
// for two histograms and a couple of gauges).

export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly buckets: number[];
  #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
    this.#counts = buckets.map(() => 0);
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count++;
    this.buckets.forEach((b, i) => {
      if (seconds <= b) this.#counts[i]!++;
    });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => {
      lines.push(`${this.name}_bucket{le="${b}"} ${this.#counts[i]}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`, `${this.name}_sum ${this.#sum}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines.join("\n");
  }
}

/** `start`, `start*factor`, … (`count` buckets), like Prometheus' ExponentialBuckets. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(6)));
}

function linear(start: number, step: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + step * i);
}

export class ProxyMetrics {
  readonly syncDuration = new Histogram(
    "kubeproxy_sync_proxy_rules_duration_seconds",
    "SyncProxyRules latency in seconds",
    exponentialBuckets(0.001, 2, 15),
  );
  readonly networkProgramming = new Histogram(
    "kubeproxy_network_programming_duration_seconds",
    "In Cluster Network Programming Latency in seconds",
    // Upstream: 0.25, 0.5, 1…59 by 1, 60…115 by 5, 120…300 by 30.
    [0.25, 0.5, ...linear(1, 1, 59), ...linear(60, 5, 12), ...linear(120, 30, 7)],
  );
  lastSyncTimestamp = 0;
  syncFailures = 0;

  render(): string {
    return [
      this.syncDuration.render(),
      this.networkProgramming.render(),
      "# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds The last time proxy rules were successfully synced",
      "# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge",
      `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${this.lastSyncTimestamp}`,
      "# HELP nodelet_proxy_sync_failures_total Failed proxy rule syncs",
      "# TYPE nodelet_proxy_sync_failures_total counter",
      `nodelet_proxy_sync_failures_total ${this.syncFailures}`,
      "",
    ].join("\n");
  }
}
