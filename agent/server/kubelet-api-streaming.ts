// The kubelet API's /exec, /attach, /portForward and /run, after authentication and authorization:
// a session request (Upgrade: SPDY/3.1 or websocket) is proxied to the runtime's streaming server;
// /run answers the command's output. Errors before the upgrade are plain text, like the kubelet's.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import {
  runInContainer,
  StreamTargetError,
  type StreamingRuntime,
  streamingUrl,
} from "./container-streams.ts";
import { sendText } from "./handlers.ts";
import type { PodSource } from "./pod-reader.ts";
import { proxyPlain, proxyUpgrade } from "./stream-proxy.ts";
import { rawErrorResponse } from "./stream-proxy-headers.ts";
import { parseStreamingRequest, StreamingRequestError } from "./streaming-request.ts";

export interface StreamingDeps {
  source: PodSource;
  runtime: StreamingRuntime;
  log: Logger;
}

function knownFailure(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof StreamingRequestError || err instanceof StreamTargetError)
    return { status: err.httpStatus, message: err.message };
  return undefined;
}

/** A request without Upgrade: /run, or a session request relayed for the runtime to answer. */
export async function serveStreaming(
  d: StreamingDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const r = parseStreamingRequest(url.pathname, url.searchParams);
    if (r.kind === "run") {
      const output = await runInContainer(d.source, d.runtime, r);
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(output);
      return;
    }
    await proxyPlain(req, res, await streamingUrl(d.source, d.runtime, r));
  } catch (err) {
    const failure = knownFailure(err);
    if (!failure) throw err;
    sendText(res, failure.status, failure.message);
  }
}

/** An upgrade request whose caller is allowed: find the session's URL and join the client to it. */
export async function serveStreamingUpgrade(
  d: StreamingDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
): Promise<void> {
  try {
    const r = parseStreamingRequest(url.pathname, url.searchParams);
    if (r.kind === "run") throw new StreamingRequestError(400, "/run does not upgrade");
    const target = await streamingUrl(d.source, d.runtime, r);
    d.log.debug({ path: url.pathname, kind: r.kind, runtime: target.host }, "kubelet API: proxying a stream");
    proxyUpgrade(req, socket, head, target);
  } catch (err) {
    const failure = knownFailure(err) ?? { status: 500, message: (err as Error).message };
    if (failure.status === 500) d.log.error({ err, path: url.pathname }, `kubelet API: ${failure.message}`);
    socket.end(rawErrorResponse(failure.status, failure.message));
  }
}
