// A nodelet daemon for integration tests: runs `nodelet run` inside the test containerd's network
// namespace with its own root, manifests and log directories, and reads its state back the way a
// user does (the control socket behind `nodelet get pods`).
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Pod } from "../../agent/api/pod.ts";
import type { ContainerdHandle } from "./containerd.ts";
import { spawnInNetns } from "./netns.ts";

const REPO = resolve(import.meta.dirname, "../..");
/** The built daemon (`npm run build`), started through bin/nodelet as the systemd unit does. */
export const NODELET_MAIN = join(REPO, "dist/agent/cli/main.js");
export const NODELET_BIN = join(REPO, "bin/nodelet");

export interface NodeletHandle {
  rootDir: string;
  manifestsDir: string;
  podLogsDir: string;
  containerLogsDir: string;
  nodeName: string;
  /** Every log line the daemon wrote so far (pino JSON). */
  logLines(): Record<string, unknown>[];
  pods(): Promise<Pod[]>;
  pod(name: string): Promise<Pod | undefined>;
  /** Polls until pred(pods) returns a truthy value; rejects with `what` and the last pods on timeout. */
  waitFor<T>(what: string, pred: (pods: Pod[]) => T | undefined | false, timeoutMs?: number): Promise<T>;
  writeManifest(file: string, text: string): void;
  /** The daemon's process id (nsenter execs node, so it is nodelet itself). */
  pid(): number;
  /** SIGKILL, no clean-up (what a crash looks like). */
  kill9(): Promise<void>;
  /** Start the daemon again on the same directories. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartNodeletOptions {
  name?: string;
  extraArgs?: string[];
  /** pino level; tests default to debug, benchmarks use info. */
  logLevel?: string;
}

export async function startNodelet(
  ctd: ContainerdHandle,
  opts: StartNodeletOptions = {},
): Promise<NodeletHandle> {
  const base = join(ctd.dir, `nodelet-${opts.name ?? "0"}`);
  const rootDir = join(base, "root");
  const manifestsDir = join(base, "manifests");
  const podLogsDir = join(base, "pods-logs");
  const containerLogsDir = join(base, "containers-logs");
  for (const d of [rootDir, manifestsDir, podLogsDir, containerLogsDir]) mkdirSync(d, { recursive: true });
  const nodeName = "test-node";
  const lines: Record<string, unknown>[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  if (!existsSync(NODELET_MAIN)) throw new Error(`${NODELET_MAIN} is missing: run "npm run build" first`);
  const spawnDaemon = async () => {
    const argv = [
      NODELET_BIN,
      "run",
      "--manifests",
      manifestsDir,
      "--runtime-endpoint",
      ctd.endpoint,
      "--root-dir",
      rootDir,
      "--pod-logs-dir",
      podLogsDir,
      "--container-logs-dir",
      containerLogsDir,
      "--cgroup-root",
      ctd.cgroupRoot,
      "--node-name",
      nodeName,
      "--file-check-frequency",
      "2s",
      ...(opts.extraArgs ?? []),
    ];
    const proc = spawnInNetns(ctd.netns, argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODELET_LOG_LEVEL: opts.logLevel ?? "debug" },
    });
    child = proc;
    exited = new Promise((r) => proc.once("exit", () => r()));
    let buf = "";
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ msg: line });
        }
        nl = buf.indexOf("\n");
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`nodelet exited at start: ${JSON.stringify(lines.slice(-10))}`);
      try {
        await controlGet(rootDir, "/healthz");
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`nodelet did not come up: ${JSON.stringify(lines.slice(-10))}`);
        await sleep(100);
      }
    }
  };

  const stopDaemon = async (signal: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };

  await spawnDaemon();
  const handle: NodeletHandle = {
    rootDir,
    manifestsDir,
    podLogsDir,
    containerLogsDir,
    nodeName,
    logLines: () => lines,
    pods: async () => (JSON.parse(await controlGet(rootDir, "/pods")) as { items: Pod[] }).items,
    pod: async (name) =>
      (await handle.pods()).find(
        (p) => p.metadata.name === `${name}-${nodeName}` || p.metadata.name === name,
      ),
    async waitFor(what, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Pod[] = [];
      for (;;) {
        last = await handle.pods().catch(() => last);
        const v = pred(last);
        if (v) return v;
        if (Date.now() > deadline) {
          const summary = last.map((p) => ({
            name: p.metadata.name,
            phase: p.status?.phase,
            containers: [
              ...(p.status?.initContainerStatuses ?? []),
              ...(p.status?.containerStatuses ?? []),
            ].map(
              (c) =>
                `${c.name}:${Object.keys(c.state)[0]}:${c.state.waiting?.reason ?? c.state.terminated?.reason ?? ""}:${c.restartCount}`,
            ),
          }));
          throw new Error(`timed out waiting for ${what}; pods: ${JSON.stringify(summary)}`);
        }
        await sleep(100);
      }
    },
    writeManifest(file, text) {
      // Written beside and renamed, as config management tools do, so no half file is ever read.
      const tmp = join(manifestsDir, `.${file}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(manifestsDir, file));
    },
    pid: () => child?.pid ?? 0,
    kill9: () => stopDaemon("SIGKILL"),
    restart: spawnDaemon,
    stop: () => stopDaemon("SIGTERM"),
  };
  return handle;
}

export function controlGet(rootDir: string, path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: join(rootDir, "nodelet.sock"), path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () =>
        (res.statusCode ?? 500) < 300
          ? resolvePromise(body)
          : reject(new Error(`${res.statusCode}: ${body}`)),
      );
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("control socket timeout")));
    req.end();
  });
}

/** The status of one container of a pod, init containers included. */
export function containerStatus(pod: Pod | undefined, name: string) {
  return [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])].find(
    (s) => s.name === name,
  );
}
