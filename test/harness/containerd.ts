// An isolated containerd for integration tests and scripts: its own config, root, state,
// sockets, runc root, CNI config and network namespace, with the test images imported.
// Nothing of the host's (network tables, /run/containerd state, cgroups) is touched.
//
//   const ctd = await startContainerd();
//   try { ... CRI at ctd.endpoint; run nodelet with spawnInNetns(ctd.netns, ...) and
//         --cgroup-root ctd.cgroupRoot ... } finally { await ctd.stop(); }
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cleanupInstance, type InstanceState, readInstanceState } from "./containerd-cleanup.ts";
import {
  type ContainerdLayout,
  containerdLayout,
  renderCniConflist,
  renderContainerdConfig,
} from "./containerd-config.ts";
import { waitForCriImages } from "./cri-image-probe.ts";
import { imageTarballs, TEST_IMAGE_REFS } from "./images.ts";
import { createNetns, netnsPath } from "./netns.ts";
import { cancelExitCleanup, cleanupAtExit, sweepAbandoned } from "./exit-cleanup.ts";

export interface ContainerdHandle {
  /** CRI endpoint, `unix:///abs/path.sock`. */
  endpoint: string;
  socketPath: string;
  dir: string;
  /** Name of the network namespace containerd (and every pod network) lives in. */
  netns: string;
  /** A unique cgroup path (e.g. /nodelet-test-ab12cd) to give nodelet as its cgroup root. */
  cgroupRoot: string;
  logPath: string;
  pid: number;
  /** Milliseconds startContainerd took (spawn, ready, images imported and seen by CRI). */
  startupMs: number;
  /** Removes everything the instance created; idempotent. Rejects if something could not be removed. */
  stop(): Promise<void>;
}

export interface StartContainerdOptions {
  /** Directory for all of the instance's files (created; default: a new temp dir). */
  dir?: string;
  /** Network namespace name (created; default nodelet-<random>). */
  netns?: string;
  /**
   * Leave the instance running when this process exits (the CLI). By default a process
   * 'exit'/SIGINT/SIGTERM handler removes instances that were not stopped.
   */
  outliveProcess?: boolean;
  /** Readiness timeout, default 20 s. */
  timeoutMs?: number;
}

const UNIX_SOCKET_PATH_MAX = 107;

function logTail(logPath: string, lines = 30): string {
  try {
    return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function writeState(layout: ContainerdLayout, state: InstanceState): void {
  writeFileSync(layout.statePath, JSON.stringify(state, null, 2) + "\n");
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const sock = connect(socketPath);
    sock.once("connect", () => {
      sock.destroy();
      resolvePromise(true);
    });
    sock.once("error", () => resolvePromise(false));
  });
}

function runCtr(socketPath: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      "ctr",
      ["-a", socketPath, ...args],
      { encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`ctr ${args.join(" ")} failed: ${stderr.trim() || err.message}`));
        else resolvePromise(stdout);
      },
    );
  });
}

async function waitForSocket(
  socketPath: string,
  exited: () => string | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = exited();
    if (exit !== undefined) throw new Error(`containerd exited during startup (${exit})`);
    if (existsSync(socketPath) && (await canConnect(socketPath))) return;
    if (Date.now() > deadline)
      throw new Error(`containerd did not answer on ${socketPath} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function prepareFiles(layout: ContainerdLayout): void {
  for (const d of [
    layout.root,
    layout.state,
    layout.optDir,
    layout.runcRoot,
    layout.cniConfDir,
    layout.cniIpamDir,
  ]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(layout.configPath, renderContainerdConfig(layout));
  // Before containerd starts: containerd 1.6 does not pick up a conflist written later reliably.
  writeFileSync(join(layout.cniConfDir, "10-nodelet-test.conflist"), renderCniConflist(layout));
}

function handleFor(
  state: InstanceState,
  layout: ContainerdLayout,
  pid: number,
  startupMs: number,
): ContainerdHandle {
  return {
    endpoint: state.endpoint,
    socketPath: state.socketPath,
    dir: state.dir,
    netns: state.netns,
    cgroupRoot: state.cgroupRoot,
    logPath: layout.logPath,
    pid,
    startupMs,
    stop: async () => stopInstance(state),
  };
}

function stopInstance(state: InstanceState): void {
  cancelExitCleanup(state.dir);
  const problems = cleanupInstance(state);
  if (problems.length > 0)
    throw new Error(`containerd cleanup of ${state.dir} incomplete:\n${problems.join("\n")}`);
}

/** Stops the instance whose files are in dir (from its handle.json); no-op if there is none. */
export function stopContainerdAt(dir: string): void {
  const state = readInstanceState(resolve(dir));
  if (state) stopInstance(state);
}

const DEFAULT_DIR_PREFIX = "nodelet-ctd-";

/**
 * Removes instances in the default temp location whose owning process died without cleaning
 * up (killed by SIGKILL, say). Instances started for the CLI have no owner and are left alone.
 */
export function sweepAbandonedInstances(): string[] {
  return sweepAbandoned(DEFAULT_DIR_PREFIX, readInstanceState, cleanupInstance);
}

export async function startContainerd(opts: StartContainerdOptions = {}): Promise<ContainerdHandle> {
  const started = performance.now();
  sweepAbandonedInstances();
  const tarballs = imageTarballs();
  const missing = tarballs.filter((t) => !existsSync(t));
  if (missing.length > 0) {
    throw new Error(`test images missing (${missing.join(", ")}): run test/setup/setup.sh first`);
  }

  let dir: string;
  if (opts.dir) {
    dir = resolve(opts.dir);
    stopContainerdAt(dir); // a previous instance in the same dir
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), DEFAULT_DIR_PREFIX));
  }
  const layout = containerdLayout(dir);
  if (layout.socketPath.length > UNIX_SOCKET_PATH_MAX) {
    throw new Error(`socket path too long for a unix socket: ${layout.socketPath}`);
  }

  const id = randomBytes(3).toString("hex");
  const state: InstanceState = {
    dir,
    netns: opts.netns ?? `nodelet-${id}`,
    cgroupRoot: `/nodelet-test-${id}`,
    socketPath: layout.socketPath,
    endpoint: `unix://${layout.socketPath}`,
  };
  if (!opts.outliveProcess) {
    state.ownerPid = process.pid;
    cleanupAtExit(dir, () => cleanupInstance(state));
  }

  writeState(layout, state);

  try {
    prepareFiles(layout);
    createNetns(state.netns);

    const logFd = openSync(layout.logPath, "a");
    // nsenter (not `ip netns exec`, see netns.ts) execs containerd, so child.pid is containerd's.
    const child = spawn(
      "nsenter",
      [`--net=${netnsPath(state.netns)}`, "--", "containerd", "--config", layout.configPath],
      {
        detached: true,
        stdio: ["ignore", logFd, logFd],
      },
    );
    closeSync(logFd);
    let exitInfo: string | undefined;
    child.once("exit", (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
    });
    child.once("error", (err) => {
      exitInfo = err.message;
    });
    if (child.pid === undefined) throw new Error("could not spawn containerd");
    state.pid = child.pid;
    writeState(layout, state);
    child.unref();

    const timeoutMs = opts.timeoutMs ?? 20_000;
    await waitForSocket(layout.socketPath, () => exitInfo, timeoutMs);
    // One at a time: parallel imports collide on containerd's ingest lock for "tar-index.json"
    // and then wait for each other's retries.
    for (const t of tarballs) await runCtr(layout.socketPath, ["-n", "k8s.io", "images", "import", t]);
    await waitForCriImages(layout.socketPath, TEST_IMAGE_REFS, timeoutMs);

    return handleFor(state, layout, child.pid, Math.round(performance.now() - started));
  } catch (err) {
    const tail = logTail(layout.logPath);
    cancelExitCleanup(dir);
    const problems = cleanupInstance(state);
    const cleanupNote = problems.length > 0 ? `\ncleanup problems:\n${problems.join("\n")}` : "";
    throw new Error(
      `starting containerd in ${dir} failed: ${(err as Error).message}\n--- containerd log (tail) ---\n${tail}${cleanupNote}`,
      { cause: err },
    );
  }
}
