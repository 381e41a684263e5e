// The kubelet's prober metrics, rendered as Prometheus text:
//   prober_probe_total{probe_type,result,container,pod,namespace,pod_uid}  counter
//   prober_probe_duration_seconds{probe_type,container,pod,namespace}     histogram (successful probes)
// Label values follow upstream: probe_type Liveness/Readiness/Startup, result successful/failed/unknown.
import { escapeLabelValue, labelPairs } from "../agent/server/prometheus-labels.ts";
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

export interface ProbeSeries {
  count(result: MetricResult): void;
  observe(seconds: number): void;
}

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

  /**
   * The series of one worker, with label strings built once: probing at 200/s should not rebuild
   * label text on every probe.
   */
  seriesFor(l: ProbeMetricLabels): ProbeSeries {
    const counterLabels = (result: MetricResult) =>
      labelPairs([
        ["probe_type", PROBE_TYPE[l.kind]],
        ["result", result],
        ["container", l.container],
        ["pod", l.pod],
        ["namespace", l.namespace],
        ["pod_uid", l.podUid],
      ]);
    const keys: Record<MetricResult, string> = {
      successful: counterLabels("successful"),
      failed: counterLabels("failed"),
      unknown: counterLabels("unknown"),
    };
    const durationLabels = labelPairs([
      ["probe_type", PROBE_TYPE[l.kind]],
      ["container", l.container],
      ["pod", l.pod],
      ["namespace", l.namespace],
    ]);
    return {
      count: (result) => {
        const labels = keys[result];
        const c = this.#counters.get(labels);
        if (c) c.value++;
        else this.#counters.set(labels, { labels, podUid: l.podUid, value: 1 });
      },
      observe: (seconds) => {
        let h = this.#durations.get(durationLabels);
        if (!h) {
          h = { labels: durationLabels, podUid: l.podUid, counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
          this.#durations.set(durationLabels, h);
        }
        for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
        h.sum += seconds;
        h.count++;
      },
    };
  }

  count(l: ProbeMetricLabels, result: MetricResult): void {
    this.seriesFor(l).count(result);
  }

  observeDuration(l: ProbeMetricLabels, seconds: number): void {
    this.seriesFor(l).observe(seconds);
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
        c.labels.includes(`container="${escapeLabelValue(l.container)}"`)
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
