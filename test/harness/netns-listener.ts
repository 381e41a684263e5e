// A TCP listener inside a network namespace whose connections this process accepts.
//
// A socket belongs to the namespace it was created in, whichever process holds it. A short-lived
// helper (node, entered into the namespace with nsenter) creates the listening socket and hands it
// to this process over the IPC channel (SCM_RIGHTS), then exits. Nothing keeps running in the
// namespace and nothing lands on disk: closing the server, or this process ending, removes it.
//
// Connections are served by this process's event loop: while a test blocks it (execFileSync,
// Atomics.wait), traffic through such a listener stalls.
import type { Server } from "node:net";
import { spawnInNetns } from "./netns.ts";

export interface ListenInNetnsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (the kernel picks one). */
  port?: number;
  timeoutMs?: number;
}

// CommonJS for `node -e`. Exits when the parent goes away before taking the socket.
const HELPER = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
process.on("disconnect", () => process.exit(0));
const server = net.createServer();
server.on("error", (err) => {
  process.send({ error: err.code || err.message }, () => process.exit(0));
});
server.listen({ host, port: Number(port), exclusive: true }, () => {
  process.send({ port: server.address().port }, server, () => {
    server.close();
    process.disconnect();
  });
});
`;

interface HelperMessage {
  port?: number;
  error?: string;
}

/**
 * Listens on host:port inside the namespace; resolves with a listening net.Server of this process
 * (attach a "connection" handler; `close()` it when done). Rejects with an Error whose `code` is
 * the errno (e.g. "EADDRINUSE") when the address is taken.
 */
export function listenInNetns(netns: string, opts: ListenInNetnsOptions = {}): Promise<Server> {
  const host = opts.host ?? "127.0.0.1";
  const port = opts.port ?? 0;
  const child = spawnInNetns(netns, [process.execPath, "-e", HELPER, host, String(port)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<Server>((resolve, reject) => {
    let msg: HelperMessage | undefined;
    let server: Server | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      server?.close();
      reject(new Error(`listening in netns ${netns} timed out`));
    }, opts.timeoutMs ?? 10_000);
    child.once("message", (m: HelperMessage, handle: unknown) => {
      msg = m;
      server = handle as Server | undefined;
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // Settle once the helper is gone ("close" comes after its IPC channel is drained), so that
    // nothing of ours is left running in the namespace when the caller goes on.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (server !== undefined) {
        resolve(server);
      } else if (msg?.error !== undefined) {
        const err = new Error(`cannot listen on ${host}:${port} in netns ${netns}: ${msg.error}`);
        Object.assign(err, { code: msg.error });
        reject(err);
      } else {
        reject(new Error(`netns listener helper exited (${signal ?? code}) in ${netns}: ${stderr.trim()}`));
      }
    });
  });
}

/** listenInNetns on the preferred port, or on any free one when that is taken. */
export async function listenInNetnsPreferring(
  netns: string,
  port: number,
  host = "127.0.0.1",
): Promise<Server> {
  try {
    return await listenInNetns(netns, { host, port });
  } catch (err) {
    if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
    return await listenInNetns(netns, { host, port: 0 });
  }
}

export function listeningPort(server: Server): number {
  const addr = server.address();
  if (addr === null || typeof addr !== "object") throw new Error("server is not listening on TCP");
  return addr.port;
}
