import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerStatus, Pod, PodStatus } from "../../../agent/api/pod.ts";
import type { PodView } from "../../../agent/kubelet.ts";
import { silentLogger } from "../../../agent/log.ts";
import { kubeletRoute } from "../../../agent/server/kubelet-api-routes.ts";
import {
  cpuSecondsFromProcStat,
  workingSetBytes,
  workingSetFromMeminfo,
} from "../../../agent/server/node-usage.ts";
import { nodeRequestAttributes } from "../../../agent/server/request-attributes.ts";
import { podUsage, resourceMetricsText } from "../../../agent/server/resource-metrics.ts";
import {
  collectResourceStats,
  containerUsage,
  runningContainers,
} from "../../../agent/server/resource-stats.ts";
import { fromCriContainerStats } from "../../../cri/grpc/mapping.ts";
import type { ContainerStats } from "../../../cri/runtime.ts";

function running(name: string, id: string, startedAt: string): ContainerStatus {
  return {
    name,
    state: { running: { startedAt } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: "busybox",
    imageID: "",
    containerID: `containerd://${id}`,
  };
}

function view(name: string, statuses: ContainerStatus[]): PodView {
  const pod: Pod = {
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: { containers: statuses.map((s) => ({ name: s.name, image: s.image })) },
  };
  return { pod, status: { phase: "Running", containerStatuses: statuses } as PodStatus };
}

const exited: ContainerStatus = {
  ...running("old", "c9", "2026-01-01T00:00:00Z"),
  state: { terminated: { exitCode: 0 } } as ContainerStatus["state"],
};
const source = {
  pods: () => [
    view("web", [
      running("app", "c1", "2026-12-07T10:00:00Z"),
      running("side", "c2", "2026-12-07T10:00:05Z"),
    ]),
    view("db", [running("pg", "c3", "2026-12-07T09:00:00Z"), exited]),
  ],
};

const stat = (id: string, cpuNs: string, memory: string, tsNs = "1765101600123456789"): ContainerStats => ({
  id,
  name: "x",
  labels: {},
  cpu: { timestamp: tsNs, usageCoreNanoSeconds: cpuNs },
  memory: { timestamp: tsNs, workingSetBytes: memory },
});

describe("working set and /proc figures", () => {
  it("working set is usage less inactive file, never negative", () => {
    assert.equal(workingSetBytes(10_000, 3_000), 7_000);
    assert.equal(workingSetBytes(1_000, 3_000), 0);
  });

  it("node working set from meminfo: MemTotal − MemFree − Inactive(file)", () => {
    const meminfo = [
      "MemTotal:       24683784 kB",
      "MemFree:        22134816 kB",
      "MemAvailable:   23000000 kB",
      "Inactive(anon):     1000 kB",
      "Inactive(file):   548248 kB",
    ].join("\n");
    assert.equal(workingSetFromMeminfo(meminfo), (24683784 - 22134816 - 548248) * 1024);
    assert.equal(workingSetFromMeminfo("MemTotal: 1 kB\n"), undefined);
  });

  it("node CPU seconds: the non-idle ticks of the aggregate cpu line at 100 Hz", () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const text = "cpu  217878 5 86311 548751 1808 7 4089 79 100 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
    assert.equal(cpuSecondsFromProcStat(text), (217878 + 5 + 86311 + 7 + 4089 + 79) / 100);
    assert.equal(cpuSecondsFromProcStat("intr 1 2\n"), undefined);
  });
});

describe("CRI ContainerStats mapping", () => {
  it("keeps the cumulative CPU and working set, drops figures the runtime left unset", () => {
    const full = fromCriContainerStats({
      attributes: { id: "c1", metadata: { name: "app", attempt: 0 }, labels: { a: "b" } },
      cpu: { timestamp: "1765101600123456789", usage_core_nano_seconds: { value: "2500000000" } },
      memory: { timestamp: "1765101600123456789", working_set_bytes: { value: "1048576" } },
    });
    assert.deepEqual(full, {
      id: "c1",
      name: "app",
      labels: { a: "b" },
      cpu: { timestamp: "1765101600123456789", usageCoreNanoSeconds: "2500000000" },
      memory: { timestamp: "1765101600123456789", workingSetBytes: "1048576" },
    });
    const empty = fromCriContainerStats({
      attributes: { id: "c2" },
      cpu: { timestamp: "0", usage_core_nano_seconds: null },
      memory: null,
    });
    assert.deepEqual(empty, { id: "c2", name: "", labels: {} });
  });
});

describe("resource stats collection", () => {
  it("keeps the running containers of the node's pods, named by pod and namespace", () => {
    const byId = runningContainers(source);
    assert.deepEqual([...byId.keys()], ["c1", "c2", "c3"]);
    assert.deepEqual(byId.get("c1"), {
      namespace: "ns",
      pod: "web",
      container: "app",
      startTime: {
        value: Date.parse("2026-12-07T10:00:00Z") / 1000,
        timestampMs: Date.parse("2026-12-07T10:00:00Z"),
      },
    });
  });

  it("converts CRI nanoseconds to seconds and ms timestamps; ignores containers not running here", () => {
    const usage = containerUsage(runningContainers(source), [
      stat("c1", "2500000000", "1048576"),
      stat("c9", "1", "1"),
      stat("elsewhere", "1", "1"),
      { id: "c2", name: "side", labels: {} },
    ]);
    assert.equal(usage.length, 2);
    assert.deepEqual(usage[0]?.cpuSeconds, { value: 2.5, timestampMs: 1765101600123 });
    assert.deepEqual(usage[0]?.workingSetBytes, { value: 1048576, timestampMs: 1765101600123 });
    assert.equal(usage[1]?.container, "side");
    assert.equal(usage[1]?.cpuSeconds, undefined);
  });

  it("flags a scrape error and still shows the node when the runtime's stats fail", async () => {
    const stats = await collectResourceStats({
      source,
      runtime: {
        listContainerStats: async () => {
          throw new Error("unavailable");
        },
      },
      log: silentLogger(),
      readNode: async () => ({ cpuSeconds: 12, workingSetBytes: 3456, timestampMs: 1000 }),
    });
    assert.equal(stats.scrapeError, true);
    assert.deepEqual(stats.containers, []);
    const text = resourceMetricsText(stats);
    assert.match(text, /^node_cpu_usage_seconds_total 12 1000$/m);
    assert.match(text, /^scrape_error 1$/m);
  });
});

describe("resourceMetricsText", () => {
  const containers = containerUsage(runningContainers(source), [
    stat("c1", "2000000000", "1000", "5000000000"),
    stat("c2", "500000000", "24", "6000000000"),
    stat("c3", "1000000000", "7", "4000000000"),
  ]);

  it("sums a pod's containers, stamped with the latest sample", () => {
    const web = podUsage(containers).find((p) => p.pod === "web");
    assert.deepEqual(web, {
      namespace: "ns",
      pod: "web",
      cpuSeconds: { value: 2.5, timestampMs: 6000 },
      workingSetBytes: { value: 1024, timestampMs: 6000 },
    });
  });

  it("writes every family with labels and ms timestamps", () => {
    const text = resourceMetricsText({
      node: {
        cpuSeconds: { value: 99.5, timestampMs: 7000 },
        workingSetBytes: { value: 2e9, timestampMs: 7000 },
      },
      containers,
      scrapeError: false,
    });
    const start = (iso: string) => `${Date.parse(iso) / 1000} ${Date.parse(iso)}`;
    const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(samples, [
      'container_cpu_usage_seconds_total{container="pg",namespace="ns",pod="db"} 1 4000',
      'container_cpu_usage_seconds_total{container="app",namespace="ns",pod="web"} 2 5000',
      'container_cpu_usage_seconds_total{container="side",namespace="ns",pod="web"} 0.5 6000',
      'container_memory_working_set_bytes{container="pg",namespace="ns",pod="db"} 7 4000',
      'container_memory_working_set_bytes{container="app",namespace="ns",pod="web"} 1000 5000',
      'container_memory_working_set_bytes{container="side",namespace="ns",pod="web"} 24 6000',
      `container_start_time_seconds{container="pg",namespace="ns",pod="db"} ${start("2026-12-07T09:00:00Z")}`,
      `container_start_time_seconds{container="app",namespace="ns",pod="web"} ${start("2026-12-07T10:00:00Z")}`,
      `container_start_time_seconds{container="side",namespace="ns",pod="web"} ${start("2026-12-07T10:00:05Z")}`,
      "node_cpu_usage_seconds_total 99.5 7000",
      "node_memory_working_set_bytes 2000000000 7000",
      'pod_cpu_usage_seconds_total{namespace="ns",pod="db"} 1 4000',
      'pod_cpu_usage_seconds_total{namespace="ns",pod="web"} 2.5 6000',
      'pod_memory_working_set_bytes{namespace="ns",pod="db"} 7 4000',
      'pod_memory_working_set_bytes{namespace="ns",pod="web"} 1024 6000',
      "resource_scrape_error 0",
      "scrape_error 0",
    ]);
    assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(text, /^# TYPE pod_memory_working_set_bytes gauge$/m);
    assert.ok(text.endsWith("\n"));
  });

  it("escapes label values", () => {
    const text = resourceMetricsText({
      node: {},
      containers: [
        { namespace: "ns", pod: 'a"b\\c', container: "x", workingSetBytes: { value: 1, timestampMs: 1 } },
      ],
      scrapeError: false,
    });
    assert.match(text, /^pod_memory_working_set_bytes\{namespace="ns",pod="a\\"b\\\\c"\} 1 1$/m);
  });
});

describe("/metrics/resource on the kubelet API", () => {
  it("is served for GET (no longer 501) and authorized as the metrics subresource", () => {
    assert.deepEqual(kubeletRoute("GET", "/metrics/resource"), { kind: "metricsResource" });
    assert.deepEqual(kubeletRoute("POST", "/metrics/resource"), { kind: "methodNotAllowed" });
    assert.equal(kubeletRoute("GET", "/metrics/cadvisor").kind, "notImplemented");
    assert.deepEqual(
      nodeRequestAttributes("GET", "/metrics/resource", "n1").map((a) => a.subresource),
      ["metrics"],
    );
  });
});
