// Load generator for probes.bench.ts: during the no-probes phase it sends the pods the same
// traffic the probes would (an HTTP GET and a TCP connect per pod per second) from a process of its
// own, so that both phases run on an equally loaded machine: the pods' busybox httpd forks a child
// per connection, which is machine load, not nodelet's CPU.
// Mode "raw" (default) makes the connections with bare sockets and no other logic: its own CPU is the
// floor of any prober written on Node. Mode "probes" runs nodelet's probe handlers in a bare process.
//
//   node test/bench/probe-load.ts '["10.88.0.2", ...]' [raw|probes]   (inside the pods' network namespace)
import { connect } from "node:net";
import { silentLogger } from "../../agent/log.ts";
import { ProbeManager } from "../../probes/manager.ts";

const ips = JSON.parse(process.argv[2] ?? "[]") as string[];
const mode = process.argv[3] ?? "raw";
const PORT = 8080;
const started = performance.now();

if (mode === "raw") runRaw();
else runProbes();

/** Per pod per second: a TCP connect closed at once, and an HTTP GET read to the end. */
function runRaw(): void {
  let done = 0;
  const tcp = (ip: string) => {
    const s = connect({ host: ip, port: PORT });
    s.on("connect", () => {
      done++;
      s.destroy();
    });
    s.on("error", () => s.destroy());
  };
  const http = (ip: string) => {
    const s = connect({ host: ip, port: PORT });
    s.on("connect", () =>
      s.write(
        `GET /index.html HTTP/1.1\r\nHost: ${ip}:${PORT}\r\nUser-Agent: kube-probe/1.36\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
      ),
    );
    s.on("data", () => {});
    s.on("end", () => {
      done++;
      s.destroy();
    });
    s.on("error", () => s.destroy());
  };
  const timers = ips.map((ip) =>
    setTimeout(() => {
      tcp(ip);
      http(ip);
      timers.push(
        setInterval(() => {
          tcp(ip);
          http(ip);
        }, 1000),
      );
    }, Math.random() * 1000),
  );
  process.once("SIGTERM", () => {
    for (const t of timers) clearTimeout(t);
    report(done);
  });
}

function report(probes: number): void {
  process.stdout.write(`${(probes / ((performance.now() - started) / 1000)).toFixed(1)}\n`, () =>
    process.exit(0),
  );
}

function runProbes(): void {
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
  // On SIGTERM: how many probes it ran per second, for the benchmark's report.
  process.once("SIGTERM", () => {
    let n = 0;
    for (const line of probes.metricsText().split("\n")) {
      if (line.startsWith("prober_probe_total{")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    probes.stop();
    report(n);
  });
}
