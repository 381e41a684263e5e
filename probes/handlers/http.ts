// httpGet: GET the URL; 200–399 = success. Redirects to the same host are followed (up to 10),
// a redirect elsewhere ends the probe as a success with a warning, like the kubelet. No certificate
// checks for HTTPS, no keep-alive, and at most `bodyLimit` bytes of the body are read before the
// socket is destroyed.
import http from "node:http";
import https from "node:https";
import type { HTTPGetAction } from "../../agent/api/pod.ts";
import { describeNetError, type HandlerOutcome, outcome } from "./outcome.ts";
import { type HandlerTarget, joinHostPort, resolveHost, resolvePort } from "./target.ts";

export const DEFAULT_HTTP_BODY_LIMIT = 10 * 1024;
const MAX_REDIRECTS = 10;
const FOLLOWED_REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface HttpOptions {
  /** e.g. "kube-probe/1.34" or "kube-lifecycle/1.34". */
  userAgent: string;
  bodyLimit: number;
  /** Aborting ends the probe at once as a failure and closes its socket. */
  signal?: AbortSignal;
}

/** The probe URL as the kubelet builds it: scheme://host:port + path (path may carry a query). */
export function probeUrl(action: HTTPGetAction, target: HandlerTarget): URL {
  const scheme = (action.scheme ?? "HTTP").toLowerCase();
  const port = resolvePort(action.port, target.container);
  const host = resolveHost(action.host, target);
  let path = action.path ?? "";
  if (path !== "" && !path.startsWith("/")) path = `/${path}`;
  return new URL(`${scheme}://${joinHostPort(host, port)}${path}`);
}

const bareHostname = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");
const portOf = (url: URL) => Number(url.port) || (url.protocol === "https:" ? 443 : 80);
/** host:port always with the port, as Go writes the Host header for a URL built by the prober. */
const authority = (url: URL) => joinHostPort(bareHostname(url), portOf(url));

/** Go's canonical header key: "x-custom-thing" → "X-Custom-Thing". */
function canonicalKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/**
 * Request headers from httpHeaders plus the kubelet's defaults: User-Agent unless given, Accept
 * "*\/*" unless given (an explicitly empty Accept removes it). Host is returned separately: it
 * overrides the request's Host header.
 */
export function probeHeaders(
  action: HTTPGetAction,
  userAgent: string,
): { headers: Record<string, string[]>; host: string | undefined } {
  const headers: Record<string, string[]> = {};
  for (const h of action.httpHeaders ?? []) {
    const key = canonicalKey(h.name);
    headers[key] ??= [];
    headers[key].push(h.value);
  }
  if (!headers["User-Agent"]) headers["User-Agent"] = [userAgent];
  if (!headers.Accept) headers.Accept = ["*/*"];
  else if (headers.Accept[0] === "") delete headers.Accept;
  const host = headers.Host?.[0] || undefined;
  delete headers.Host;
  return { headers, host };
}

export function runHttp(
  action: HTTPGetAction,
  target: HandlerTarget,
  timeoutMs: number,
  opts: HttpOptions,
): Promise<HandlerOutcome> {
  let first: URL;
  try {
    first = probeUrl(action, target);
  } catch (err) {
    return Promise.resolve(outcome("error", (err as Error).message));
  }
  const { headers, host: hostOverride } = probeHeaders(action, opts.userAgent);

  return new Promise((resolve) => {
    let current: http.ClientRequest | undefined;
    let currentUrl = first;
    let phase = "awaiting headers";
    let done = false;
    const deadline = setTimeout(() => {
      const why =
        phase === "awaiting headers"
          ? "Client.Timeout exceeded while awaiting headers"
          : "Client.Timeout or context cancellation while reading body";
      finish(
        outcome("failure", `Get ${JSON.stringify(currentUrl.href)}: context deadline exceeded (${why})`),
      );
    }, timeoutMs);

    const onAbort = () =>
      finish(outcome("failure", `Get ${JSON.stringify(currentUrl.href)}: context canceled`));
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    function finish(o: HandlerOutcome) {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener("abort", onAbort);
      current?.destroy();
      resolve(o);
    }

    function send(url: URL, hostHeader: string, redirects: number) {
      currentUrl = url;
      phase = "awaiting headers";
      const mod = url.protocol === "https:" ? https : http;
      const req = mod.request({
        method: "GET",
        protocol: url.protocol,
        hostname: bareHostname(url),
        port: portOf(url),
        path: url.pathname + url.search,
        headers: { ...headers, Host: hostHeader },
        agent: false,
        rejectUnauthorized: false,
      });
      current = req;
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (done || req !== current) return;
        finish(
          outcome(
            "failure",
            `Get ${JSON.stringify(url.href)}: ${describeNetError(err, "dial tcp", authority(url))}`,
          ),
        );
      });
      req.once("response", (res) => {
        const code = res.statusCode ?? 0;
        const location = res.headers.location;
        if (FOLLOWED_REDIRECTS.has(code) && location !== undefined && redirects < MAX_REDIRECTS) {
          let next: URL | undefined;
          try {
            next = new URL(location, url);
          } catch {
            next = undefined;
          }
          if (
            next &&
            (next.protocol === "http:" || next.protocol === "https:") &&
            next.hostname === first.hostname
          ) {
            res.destroy();
            req.destroy();
            // A custom Host survives only a relative redirect, as in Go's client.
            const relative = !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !location.startsWith("//");
            send(next, relative && hostOverride ? hostOverride : next.host, redirects + 1);
            return;
          }
        }
        readBody(res, code);
      });
      req.end();
    }

    function readBody(res: http.IncomingMessage, code: number) {
      phase = "reading body";
      const chunks: Buffer[] = [];
      let size = 0;
      const complete = () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (code >= 200 && code < 300) finish(outcome("success", body));
        else if (code >= 300 && code < 400)
          finish(outcome("warning", `Probe terminated redirects, Response body: ${body}`));
        else finish(outcome("failure", `HTTP probe failed with statuscode: ${code}`));
      };
      res.on("data", (chunk: Buffer) => {
        if (done) return;
        const room = opts.bodyLimit - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (size >= opts.bodyLimit) {
          res.destroy();
          complete();
        }
      });
      res.once("end", complete);
      res.on("error", (err) => {
        if (!done) finish(outcome("failure", `Get ${JSON.stringify(currentUrl.href)}: ${err.message}`));
      });
    }

    if (opts.signal?.aborted) onAbort();
    else send(first, hostOverride ?? authority(first), 0);
  });
}
