// Probe overhead benchmark: PODS pods (default 100), each a busybox httpd with an HTTP readiness
// probe and a TCP liveness probe at periodSeconds 1 (200 probes/s), against the same pods without
// probes, measured in one run on one containerd. For each variant: nodelet's CPU (user+sys from
// /proc/<pid>/stat, sampled every second over DURATION seconds once every pod is Ready and a
// settling pause has passed) and its RSS over the window. While the no-probes variant is measured,
// a separate process (probe-load.ts, not counted) sends its pods the same 200 connections/s, so the
// machine carries the same load in both phases (EQUAL_LOAD=0 turns that off). That process makes the
// connections with bare sockets and nothing else (LOAD=probes: with nodelet's probe handlers): its
// own CPU is printed as the floor of a prober written on Node.
//
//   npm run bench:probes            (DURATION=60 s by default; PODS=100; SETTLE=10 s)
//   DURATION=600 npm run bench:probes   the 10-minute RSS check
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Pod } from "../../agent/api/pod.ts";
import { startContainerd } from "../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../harness/images.ts";
import { spawnInNetns } from "../harness/netns.ts";
import { controlGet, type NodeletHandle, startNodelet } from "../harness/nodelet.ts";
import { percentile } from "./cri-floor.ts";

const PODS = Number(process.env.PODS ?? 100);
const DURATION_S = Number(process.env.DURATION ?? 60);
const SETTLE_S = Number(process.env.SETTLE ?? 10);
const EQUAL_LOAD = process.env.EQUAL_LOAD !== "0";
const LOAD_MODE = process.env.LOAD ?? "raw";
/** Kernel clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

function manifest(name: string, withProbes: boolean): string {
  const probes = withProbes
    ? `    readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`
    : "";
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
${probes}`;
}

/** user and sys CPU seconds of a process (all its threads: GC and libuv workers included). */
function cpuTimes(pid: number, statFile = `/proc/${pid}/stat`): { user: number; sys: number } {
  const stat = readFileSync(statFile, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / CLK_TCK, sys: Number(fields[12]) / CLK_TCK };
}

/** CPU seconds of the main (JavaScript) thread: the task whose id is the pid. */
function mainThreadSeconds(pid: number): number {
  const t = cpuTimes(pid, `/proc/${pid}/task/${pid}/stat`);
  return t.user + t.sys;
}

function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

/** Busy and total jiffies of the whole machine (all CPUs) from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!; // idle + iowait
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
  return { busy: total - idle, total };
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function probeCount(nodelet: NodeletHandle): Promise<number> {
  const text = await controlGet(nodelet.rootDir, "/metrics/probes");
  let n = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("prober_probe_total{")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return n;
}

const allReady = (pods: Pod[], prefix: string) =>
  pods.filter(
    (p) =>
      p.metadata.name?.startsWith(prefix) &&
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  ).length === PODS;

interface Figures {
  label: string;
  cpuPercent: number;
  userPercent: number;
  sysPercent: number;
  /** Of cpuPercent, the main thread's share; the rest is V8's GC/compiler threads and libuv's. */
  mainThreadPercent: number;
  perSecond: number[];
  rss: number[];
  /** Connections/s the load generator sent the pods in the no-probes phase (0: none). */
  loadPerSecond: number;
  /** The load generator's own CPU over the window, % of one core (the floor in raw mode). */
  loadCpuPercent: number;
  probesPerSecond: number;
  /** The machine's 1-minute load average at the end of the window (CPU figures inflate under load). */
  load: number;
  /** How busy the whole machine was during the window, in % of all its CPUs. */
  machineBusyPercent: number;
}

async function measure(
  ctd: Awaited<ReturnType<typeof startContainerd>>,
  label: string,
  withProbes: boolean,
): Promise<Figures> {
  let load: ChildProcess | undefined;
  const nodelet = await startNodelet(ctd, {
    name: label,
    extraArgs: ["--healthz-port", "0"],
    logLevel: "info",
  });
  try {
    const prefix = `${label}-`;
    const t0 = Date.now();
    for (let i = 0; i < PODS; i++)
      nodelet.writeManifest(`${prefix}${i}.yaml`, manifest(`${prefix}${i}`, withProbes));
    // The previous variant's pods are orphans to this nodelet; it removes them while starting its own.
    await nodelet.waitFor(`${PODS} ${label} pods Ready`, (pods) => allReady(pods, prefix), 300_000);
    for (let deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
      if ((await nodelet.pods()).length === PODS) break;
    }
    console.log(
      `${label}: ${PODS} pods Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s; settling ${SETTLE_S} s`,
    );
    if (!withProbes && EQUAL_LOAD) {
      const ips = (await nodelet.pods()).map((p) => p.status?.podIP).filter((ip) => ip !== undefined);
      load = spawnInNetns(ctd.netns, [process.execPath, LOAD_GENERATOR, JSON.stringify(ips), LOAD_MODE], {
        stdio: ["ignore", "pipe", "inherit"],
      });
    }
    await sleep(SETTLE_S * 1000);

    const pid = nodelet.pid();
    const probes0 = withProbes ? await probeCount(nodelet) : 0;
    const perSecond: number[] = [];
    const rss: number[] = [rssMiB(pid)];
    const start = performance.now();
    const timesStart = cpuTimes(pid);
    const mainStart = mainThreadSeconds(pid);
    const machineStart = machineTicks();
    const loadCpuStart = load?.pid ? cpuSeconds(load.pid) : 0;
    const cpuStart = timesStart.user + timesStart.sys;
    let prevCpu = cpuStart;
    let prevT = start;
    for (let s = 1; s <= DURATION_S; s++) {
      await sleep(start + s * 1000 - performance.now());
      const now = performance.now();
      const cpu = cpuSeconds(pid);
      perSecond.push(((cpu - prevCpu) / ((now - prevT) / 1000)) * 100);
      prevCpu = cpu;
      prevT = now;
      if (s % Math.max(1, Math.floor(DURATION_S / 12)) === 0 || s === DURATION_S) rss.push(rssMiB(pid));
    }
    const elapsed = (performance.now() - start) / 1000;
    const timesEnd = cpuTimes(pid);
    const mainEnd = mainThreadSeconds(pid);
    const machineEnd = machineTicks();
    const loadCpuPercent = load?.pid ? ((cpuSeconds(load.pid) - loadCpuStart) / elapsed) * 100 : 0;
    const cpuPercent = ((timesEnd.user + timesEnd.sys - cpuStart) / elapsed) * 100;
    const userPercent = ((timesEnd.user - timesStart.user) / elapsed) * 100;
    const sysPercent = ((timesEnd.sys - timesStart.sys) / elapsed) * 100;
    const probesPerSecond = withProbes ? ((await probeCount(nodelet)) - probes0) / elapsed : 0;
    const loadPerSecond = load ? await stopLoad(load) : 0;
    load = undefined;
    return {
      label,
      cpuPercent,
      userPercent,
      sysPercent,
      mainThreadPercent: ((mainEnd - mainStart) / elapsed) * 100,
      perSecond,
      rss,
      probesPerSecond,
      loadPerSecond,
      loadCpuPercent,
      load: loadavg()[0]!,
      machineBusyPercent:
        ((machineEnd.busy - machineStart.busy) / (machineEnd.total - machineStart.total)) * 100,
    };
  } finally {
    if (load) await stopLoad(load);
    await nodelet.stop();
  }
}

const LOAD_GENERATOR = join(import.meta.dirname, "probe-load.ts");

/** Stops the load generator; resolves with the probes per second it reported. */
function stopLoad(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", () => resolve(Number(out.trim()) || 0));
    child.kill("SIGTERM");
  });
}

function report(f: Figures): void {
  console.log(
    `${f.label}: CPU ${f.cpuPercent.toFixed(2)} % of one core (user ${f.userPercent.toFixed(2)} + sys ${f.sysPercent.toFixed(2)}; main thread ${f.mainThreadPercent.toFixed(2)}; per-second p50 ${percentile(f.perSecond, 50).toFixed(1)} %, ` +
      `p90 ${percentile(f.perSecond, 90).toFixed(1)} %, max ${Math.max(...f.perSecond).toFixed(1)} %)` +
      (f.probesPerSecond ? `, ${f.probesPerSecond.toFixed(1)} probes/s` : "") +
      (f.loadPerSecond
        ? `, pods probed by a separate process (${LOAD_MODE}) at ${f.loadPerSecond.toFixed(1)}/s using ${f.loadCpuPercent.toFixed(2)} % of one core (not counted)`
        : "") +
      `; machine ${f.machineBusyPercent.toFixed(0)} % busy (${cpus().length} CPUs), load ${f.load.toFixed(1)}`,
  );
  console.log(`${f.label}: RSS MiB over ${DURATION_S} s: ${f.rss.map((r) => r.toFixed(1)).join(" ")}`);
}

async function main(): Promise<void> {
  const ctd = await startContainerd();
  try {
    console.log(
      `probe overhead: ${PODS} pods, httpGet readiness + tcpSocket liveness at periodSeconds 1, window ${DURATION_S} s`,
    );
    const off = await measure(ctd, "noprobes", false);
    report(off);
    const on = await measure(ctd, "probes", true);
    report(on);
    const added = on.cpuPercent - off.cpuPercent;
    const rssGrowth = on.rss.at(-1)! - on.rss[0]!;
    console.log(
      `summary: probes add ${added.toFixed(2)} % of one core (${on.cpuPercent.toFixed(2)} % vs ${off.cpuPercent.toFixed(2)} %; target <= 5 %) ` +
        `at ${on.probesPerSecond.toFixed(0)} probes/s; RSS ${on.rss[0]!.toFixed(1)} -> ${on.rss.at(-1)!.toFixed(1)} MiB with probes ` +
        `(${rssGrowth >= 0 ? "+" : ""}${rssGrowth.toFixed(1)} MiB over ${DURATION_S} s), ${off.rss.at(-1)!.toFixed(1)} MiB without`,
    );
    if (off.loadCpuPercent > 0)
      console.log(
        `floor: a bare ${LOAD_MODE === "raw" ? "socket-only" : "probe-handler"} process making the same connections uses ${off.loadCpuPercent.toFixed(2)} % of one core; ` +
          `nodelet's probes add ${(added / off.loadCpuPercent).toFixed(2)}x that`,
      );
  } finally {
    await ctd.stop();
  }
}

await main();
