// Load generator for probes.bench.ts: during the no-probes phase it sends the pods the same
// traffic the probes would (an HTTP GET and a TCP connect per pod per second, through the probe
// handlers) from a process of its own, so that both phases run on an equally loaded machine:
// the pods' busybox httpd forks a child per connection, which is machine load, not nodelet's CPU.
//
//   node test/bench/probe-load.ts '["10.88.0.2", ...]'   (inside the pods' network namespace)
import { silentLogger } from "../../agent/log.ts";
import { ProbeManager } from "../../probes/manager.ts";

const ips = JSON.parse(process.argv[2] ?? "[]") as string[];
const probes = new ProbeManager({
  runtime: { execSync: () => Promise.reject(new Error("no exec probes here")) },
  logger: silentLogger(),
  onChange: () => {},
});
for (const [i, ip] of ips.entries()) {
  probes.addContainer({
    podUid: `load-${i}`,
    podName: `load-${i}`,
    podNamespace: "default",
    container: {
      name: "web",
      image: "load",
      readinessProbe: { httpGet: { path: "/index.html", port: 8080 }, periodSeconds: 1 },
      livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
    },
    containerId: `load-${i}`,
    podIP: ip,
    hostNetwork: false,
    startedAtMs: Date.now(),
  });
}
const started = performance.now();
// On SIGTERM: how many probes it ran per second, for the benchmark's report.
process.once("SIGTERM", () => {
  let n = 0;
  for (const line of probes.metricsText().split("\n")) {
    if (line.startsWith("prober_probe_total{")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  probes.stop();
  process.stdout.write(`${(n / ((performance.now() - started) / 1000)).toFixed(1)}\n`, () => process.exit(0));
});
