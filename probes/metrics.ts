// The kubelet's prober metrics, rendered as Prometheus text:
//   prober_probe_total{probe_type,result,container,pod,namespace,pod_uid}  counter
//   prober_probe_duration_seconds{probe_type,container,pod,namespace}     histogram (successful probes)
// Label values follow upstream: probe_type Liveness/Readiness/Startup, result successful/failed/unknown.
import type { ProbeKind } from "./types.ts";

export type MetricResult = "successful" | "failed" | "unknown";

export interface ProbeMetricLabels {
  kind: ProbeKind;
  container: string;
  pod: string;
  namespace: string;
  podUid: string;
}

const PROBE_TYPE: Record<ProbeKind, string> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
};
/** Prometheus' default buckets, which upstream's histogram uses. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");

interface Histogram {
  labels: string;
  podUid: string;
  counts: number[];
  sum: number;
  count: number;
}

export class ProbeMetrics {
  readonly #counters = new Map<string, { labels: string; podUid: string; value: number }>();
  readonly #durations = new Map<string, Histogram>();

  count(l: ProbeMetricLabels, result: MetricResult): void {
    const labels = labelText([
      ["probe_type", PROBE_TYPE[l.kind]],
      ["result", result],
      ["container", l.container],
      ["pod", l.pod],
      ["namespace", l.namespace],
      ["pod_uid", l.podUid],
    ]);
    const c = this.#counters.get(labels);
    if (c) c.value++;
    else this.#counters.set(labels, { labels, podUid: l.podUid, value: 1 });
  }

  observeDuration(l: ProbeMetricLabels, seconds: number): void {
    const labels = labelText([
      ["probe_type", PROBE_TYPE[l.kind]],
      ["container", l.container],
      ["pod", l.pod],
      ["namespace", l.namespace],
    ]);
    let h = this.#durations.get(labels);
    if (!h) {
      h = { labels, podUid: l.podUid, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(labels, h);
    }
    for (const [i, le] of BUCKETS.entries()) if (seconds <= le) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** Drops every series of a pod (upstream deletes them when the pod's workers exit). */
  removePod(podUid: string): void {
    for (const [k, c] of this.#counters) if (c.podUid === podUid) this.#counters.delete(k);
    for (const [k, h] of this.#durations) if (h.podUid === podUid) this.#durations.delete(k);
  }

  /** Current value of one counter series, for tests and the status line. */
  value(l: ProbeMetricLabels, result: MetricResult): number {
    for (const c of this.#counters.values()) {
      if (
        c.podUid === l.podUid &&
        c.labels.includes(`probe_type="${PROBE_TYPE[l.kind]}"`) &&
        c.labels.includes(`result="${result}"`) &&
        c.labels.includes(`container="${escapeLabel(l.container)}"`)
      ) {
        return c.value;
      }
    }
    return 0;
  }

  text(): string {
    const lines = [
      "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.",
      "# TYPE prober_probe_total counter",
    ];
    for (const c of this.#counters.values()) lines.push(`prober_probe_total{${c.labels}} ${c.value}`);
    lines.push(
      "# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe response.",
      "# TYPE prober_probe_duration_seconds histogram",
    );
    for (const h of this.#durations.values()) {
      for (const [i, le] of BUCKETS.entries()) {
        lines.push(`prober_probe_duration_seconds_bucket{${h.labels},le="${le}"} ${h.counts[i]}`);
      }
      lines.push(`prober_probe_duration_seconds_bucket{${h.labels},le="+Inf"} ${h.count}`);
      lines.push(`prober_probe_duration_seconds_sum{${h.labels}} ${h.sum}`);
      lines.push(`prober_probe_duration_seconds_count{${h.labels}} ${h.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
