// Makes the API server (listening on the host's 127.0.0.1) reachable from inside a test network
// namespace, where the host's loopback is not: a listener on the namespace's 127.0.0.1 (see
// netns-listener.ts) whose connections are piped, bytes untouched, to the API server's port. TLS
// runs end to end, so client certificates authenticate as usual and the serving certificate
// (SAN 127.0.0.1) matches.
//
//   const bridge = await exposeApiServer(cp, ctd.netns);
//   nodelet --kubeconfig cp.nodeKubeconfig("test-node", { server: bridge.url })   (inside ctd.netns)
//   await bridge.stop();
import { connect, type Server, type Socket } from "node:net";
import { listeningPort, listenInNetnsPreferring } from "./netns-listener.ts";

export interface NetnsBridge {
  /** https://127.0.0.1:PORT, valid inside `netns`. */
  url: string;
  port: number;
  netns: string;
  /** Connections currently open through the bridge. */
  openConnections(): number;
  /** Closes the listener and every connection through it; idempotent. */
  stop(): Promise<void>;
}

export interface BridgeOptions {
  /** Preferred port inside the namespace (default: the target's); any free one when it is taken. */
  port?: number;
}

/**
 * Serves connections made to 127.0.0.1:port inside `netns` with `onConnection` (called with the
 * accepted socket, which lives in the namespace but is handled by this process).
 */
export async function bridgeIntoNetns(
  netns: string,
  preferredPort: number,
  onConnection: (socket: Socket) => void,
): Promise<NetnsBridge> {
  const server: Server = await listenInNetnsPreferring(netns, preferredPort);
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  const port = listeningPort(server);
  let stopped: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    netns,
    openConnections: () => sockets.size,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}

/** Pipes two streams both ways (half-close respected); either one closing or failing closes the other. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const destroyBoth = (): void => {
    a.destroy();
    b.destroy();
  };
  a.once("error", destroyBoth);
  b.once("error", destroyBoth);
  a.once("close", () => b.destroy());
  b.once("close", () => a.destroy());
}

/** Pipes a socket to host:port (see splice). */
export function pipeTo(socket: Socket, host: string, port: number): void {
  splice(socket, connect({ host, port }));
}

/** The API server at cp.apiServerURL, reachable at the returned url from inside `netns`. */
export async function exposeApiServer(
  cp: { apiServerURL: string },
  netns: string,
  opts: BridgeOptions = {},
): Promise<NetnsBridge> {
  const target = new URL(cp.apiServerURL);
  const targetPort = Number(target.port);
  return bridgeIntoNetns(netns, opts.port ?? targetPort, (socket) =>
    pipeTo(socket, target.hostname, targetPort),
  );
}
