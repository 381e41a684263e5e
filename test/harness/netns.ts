// Named network namespaces (`ip netns`) and running programs inside them.
//
// Programs are entered with `nsenter --net=/run/netns/NAME`, NOT `ip netns exec NAME`:
// `ip netns exec` also unshares the mount namespace and remounts /sys, which hides
// /sys/fs/cgroup (so runc and the agent could not see cgroups) and keeps every mount made
// inside (container rootfs, pod netns) invisible to the host. nsenter changes only the
// network namespace.
import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { get as httpGet, type IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function netnsPath(ns: string): string {
  return `/run/netns/${ns}`;
}

export function netnsExists(ns: string): boolean {
  return existsSync(netnsPath(ns));
}

/** Inode of the namespace, as shown in /proc/PID/ns/net ("net:[INODE]"); undefined if absent. */
export function netnsInode(ns: string): number | undefined {
  try {
    return statSync(netnsPath(ns)).ino;
  } catch {
    return undefined;
  }
}

/** Creates the namespace with `lo` up. Throws if it already exists. */
export function createNetns(ns: string): void {
  if (netnsExists(ns)) throw new Error(`network namespace ${ns} already exists`);
  execFileSync("ip", ["netns", "add", ns], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    deleteNetns(ns);
    throw err;
  }
}

/** Deletes the namespace if it exists (idempotent). */
export function deleteNetns(ns: string): void {
  if (!netnsExists(ns)) return;
  execFileSync("ip", ["netns", "delete", ns], { stdio: ["ignore", "ignore", "pipe"] });
}

function nsenterArgv(ns: string, argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error("empty argv");
  return [`--net=${netnsPath(ns)}`, "--", ...argv];
}

/** Runs argv inside the namespace and collects its output; never throws on a non-zero exit. */
export function execInNetns(
  ns: string,
  argv: readonly string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "nsenter",
      nsenterArgv(ns, argv),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number" && !err.killed && err.signal == null) {
          reject(err);
          return;
        }
        const code = err ? (typeof err.code === "number" ? err.code : 128) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Spawns argv inside the namespace (nsenter execs it, so the child's pid is the program's). */
export function spawnInNetns(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn("nsenter", nsenterArgv(ns, argv), opts);
}

/**
 * A byte stream to host:port as seen from inside the namespace (through `busybox nc`), usable
 * where Node wants a socket, e.g. `http.get({ createConnection: () => connectInNetns(...) })`.
 * Lets a test in the host namespace talk to pods and servers inside it.
 */
export function connectInNetns(ns: string, host: string, port: number): Duplex {
  const child = spawnInNetns(ns, ["busybox", "nc", "-w", "5", host, String(port)], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  // What http/net callers may call on a socket; a pipe has nothing to configure.
  Object.assign(stream, {
    setTimeout: () => stream,
    setNoDelay: () => stream,
    setKeepAlive: () => stream,
    ref: () => stream,
    unref: () => stream,
  });
  stream.once("close", () => child.kill());
  child.once("error", (err) => stream.destroy(err));
  return stream;
}

/** GET url from inside the namespace; rejects on connection errors and after timeoutMs. */
export function httpGetInNetns(
  ns: string,
  url: string,
  opts: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  const port = Number(u.port || 80);
  return new Promise((resolve, reject) => {
    const req = httpGet(
      {
        host: u.hostname,
        port,
        path: u.pathname + u.search,
        headers: { connection: "close", ...opts.headers },
        // The http client only needs a duplex stream; connectInNetns provides the socket methods it calls.
        createConnection: () => connectInNetns(ns, u.hostname, port) as unknown as Socket,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`GET ${url} in ${ns} timed out`)));
    req.on("error", reject);
  });
}
