// Makes a server listening inside a test network namespace (e.g. nodelet's kubelet API on :10250
// in ctd.netns) reachable from the host, where the API server runs: the opposite direction of
// api-bridge.ts.
//
//   const fwd = await forwardIntoNetns(ctd.netns, { listenHost: "192.0.2.2" });
//   ... the host connects to 192.0.2.2:fwd.port and talks to 127.0.0.1:fwd.port inside ctd.netns ...
//   await fwd.stop();
//
// How: a helper (`node`, entered into the namespace with nsenter) listens on a UNIX socket in a
// temporary directory (UNIX sockets are not network-namespaced) and connects each accepted stream
// to the target inside the namespace; this process listens on the host address and pipes each
// connection to that UNIX socket. Bytes are untouched (TLS runs end to end). The helper exits when
// this process goes away (its IPC channel closes) or at stop().
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splice } from "./api-bridge.ts";
import { spawnInNetns } from "./netns.ts";
import { listeningPort } from "./netns-listener.ts";

export interface NetnsForwarder {
  host: string;
  port: number;
  /** Connections currently open through the forwarder. */
  openConnections(): number;
  /** Closes the host listener, every connection, the helper and its socket directory; idempotent. */
  stop(): Promise<void>;
}

export interface ForwardOptions {
  /** Host address to listen on (must be one of the host's). */
  listenHost: string;
  /** Default 0 (the kernel picks one). */
  listenPort?: number;
  /** Default 127.0.0.1 (inside the namespace). */
  targetHost?: string;
  /** Default: the port listened on. */
  targetPort?: number;
  timeoutMs?: number;
}

// CommonJS for `node -e`, run inside the namespace.
const HELPER = `
const net = require("node:net");
const [path, host, port] = process.argv.slice(1);
process.on("disconnect", () => process.exit(0));
const server = net.createServer((client) => {
  const upstream = net.connect({ host, port: Number(port) });
  client.pipe(upstream).pipe(client);
  const both = () => { client.destroy(); upstream.destroy(); };
  client.on("error", both);
  upstream.on("error", both);
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
});
server.on("error", (err) => process.send({ error: err.code || err.message }, () => process.exit(1)));
server.listen(path, () => process.send({ ready: true }));
`;

function startHelper(netns: string, socketPath: string, host: string, port: number, timeoutMs: number) {
  const child = spawnInNetns(netns, [process.execPath, "-e", HELPER, socketPath, host, String(port)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`netns forwarder helper in ${netns}: not ready in ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("message", (m: { ready?: boolean; error?: string }) => {
      clearTimeout(timer);
      if (m.ready) resolve(child);
      else reject(new Error(`netns forwarder helper in ${netns}: ${m.error}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`netns forwarder helper in ${netns} exited (${signal ?? code}): ${stderr.trim()}`));
    });
  });
}

export async function forwardIntoNetns(netns: string, o: ForwardOptions): Promise<NetnsForwarder> {
  const dir = mkdtempSync(join(tmpdir(), "nodelet-fwd-"));
  const socketPath = join(dir, "forward.sock");
  let helper: ChildProcess | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const cleanup = async (): Promise<void> => {
    // close() waits for open connections to end: they are destroyed first.
    const closed = server && new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    if (helper && helper.exitCode === null && helper.signalCode === null) {
      const exited = new Promise((resolve) => helper!.once("exit", resolve));
      helper.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const listening = createServer((socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      splice(socket, connect(socketPath));
    });
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen({ host: o.listenHost, port: o.listenPort ?? 0, exclusive: true }, () => resolve());
    });
    server = listening;
    const target = o.targetPort ?? listeningPort(listening);
    helper = await startHelper(netns, socketPath, o.targetHost ?? "127.0.0.1", target, o.timeoutMs ?? 10_000);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const port = listeningPort(server);
  let stopped: Promise<void> | undefined;
  return {
    host: o.listenHost,
    port,
    openConnections: () => sockets.size,
    stop: () => {
      stopped ??= cleanup();
      return stopped;
    },
  };
}
