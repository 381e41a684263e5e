// Hands a client's streaming session to the runtime's streaming server (the URL CRI Exec, Attach
// or PortForward returned), as the kubelet does: an upgrade request (SPDY/3.1 or WebSocket) is
// replayed on a new connection and the two sockets are joined byte for byte, so the protocol is
// negotiated between the client and the runtime; a plain request is relayed as one HTTP exchange.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { forwardedHeaders, proxiedRequestHead, rawErrorResponse } from "./stream-proxy-headers.ts";

function connectTo(target: URL): Socket {
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  if (target.protocol === "https:")
    return tlsConnect({ host, port, servername: host, ALPNProtocols: ["http/1.1"] });
  return netConnect({ host, port });
}

/** Pipes both ways; either side ending, closing or failing closes the other. */
function join(a: Duplex, b: Duplex): void {
  a.pipe(b).pipe(a);
  const both = (): void => {
    a.destroy();
    b.destroy();
  };
  a.once("error", both);
  b.once("error", both);
  a.once("close", both);
  b.once("close", both);
}

/**
 * Replays the upgrade request `req` (whose socket is `client`, `head` the bytes already read past
 * its headers) to `target` and joins the sockets. A failure to reach the runtime answers 500.
 */
export function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: URL): void {
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    client.end(rawErrorResponse(500, `unsupported streaming URL scheme ${target.protocol}`));
    return;
  }
  const upstream = connectTo(target);
  const connectEvent = target.protocol === "https:" ? "secureConnect" : "connect";
  const failed = (err: Error): void => {
    client.end(rawErrorResponse(500, `error dialing the runtime's streaming server: ${err.message}`));
    upstream.destroy();
  };
  upstream.once("error", failed);
  client.once("close", () => upstream.destroy());
  upstream.once(connectEvent, () => {
    upstream.off("error", failed);
    const headers = forwardedHeaders(req.rawHeaders, true);
    upstream.write(proxiedRequestHead(req.method ?? "GET", target, headers));
    if (head.length > 0) upstream.write(head);
    join(client, upstream);
  });
}

/** Relays a request without Upgrade (the runtime answers it, typically with an error) and its answer. */
export function proxyPlain(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
  return new Promise((resolve) => {
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const upstream = send(target, {
      method: req.method ?? "GET",
      headers: ["Host", target.host, ...forwardedHeaders(req.rawHeaders, false)],
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.rawHeaders, false));
      answer.pipe(res);
      answer.once("end", resolve);
      answer.once("error", () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on("error", (err) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`error dialing the runtime's streaming server: ${err.message}\n`);
      } else res.destroy();
      resolve();
    });
    res.once("close", () => upstream.destroy());
    req.pipe(upstream);
  });
}
