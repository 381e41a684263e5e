// httpGet: GET the URL; 200–399 = success. Redirects to the same host are followed (up to 10),
// a redirect elsewhere ends the probe as a success with a warning, like the kubelet. No certificate
// checks for HTTPS, no keep-alive, and at most `bodyLimit` bytes of the body are read before the
// socket is destroyed.
import net from "node:net";
import tls from "node:tls";
import type { HTTPGetAction } from "../../agent/api/pod.ts";
import { formatRequest, ResponseParser } from "./http-wire.ts";
import { describeNetError, type HandlerOutcome, outcome } from "./outcome.ts";
import { type HandlerTarget, joinHostPort, resolveHost, resolvePort } from "./target.ts";

export const DEFAULT_HTTP_BODY_LIMIT = 10 * 1024;
const MAX_REDIRECTS = 10;
const FOLLOWED_REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * Every plain-HTTP probe socket reads into this one buffer: a read is handed to the parser
 * synchronously, and the parser copies what it keeps, so no two reads ever overlap in it.
 */
const READ_BUFFER = Buffer.alloc(16 * 1024);

export interface HttpOptions {
  /** e.g. "kube-probe/1.34" or "kube-lifecycle/1.34". */
  userAgent: string;
  bodyLimit: number;
  /** Reuse of parsed URLs and formatted requests across runs (probe workers). */
  cache?: HttpRequestCache;
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

interface Prepared {
  podIP: string | undefined;
  hostNetwork: boolean;
  userAgent: string;
  container: HandlerTarget["container"];
  first: URL;
  headers: Record<string, string[]>;
  hostOverride: string | undefined;
  firstRequest: Buffer;
}

/**
 * URL parsing and request formatting depend only on the action and the container instance: a
 * worker probing every second can reuse them. Keyed by the action object of the container spec.
 */
export class HttpRequestCache {
  readonly #byAction = new WeakMap<HTTPGetAction, Prepared>();

  get(action: HTTPGetAction, target: HandlerTarget, userAgent: string): Prepared {
    const c = this.#byAction.get(action);
    if (
      c &&
      c.podIP === target.podIP &&
      c.hostNetwork === target.hostNetwork &&
      c.userAgent === userAgent &&
      c.container === target.container
    ) {
      return c;
    }
    const p = prepare(action, target, userAgent);
    this.#byAction.set(action, p);
    return p;
  }
}

function prepare(action: HTTPGetAction, target: HandlerTarget, userAgent: string): Prepared {
  const first = probeUrl(action, target);
  const { headers, host: hostOverride } = probeHeaders(action, userAgent);
  const firstRequest = formatRequest(
    first.pathname + first.search,
    hostOverride ?? authority(first),
    headers,
  );
  return {
    podIP: target.podIP,
    hostNetwork: target.hostNetwork,
    userAgent,
    container: target.container,
    first,
    headers,
    hostOverride,
    firstRequest,
  };
}

export function runHttp(
  action: HTTPGetAction,
  target: HandlerTarget,
  timeoutMs: number,
  opts: HttpOptions,
): Promise<HandlerOutcome> {
  let prepared: Prepared;
  try {
    prepared = opts.cache
      ? opts.cache.get(action, target, opts.userAgent)
      : prepare(action, target, opts.userAgent);
  } catch (err) {
    return Promise.resolve(outcome("error", (err as Error).message));
  }
  const { first, headers, hostOverride } = prepared;

  return new Promise((resolve) => {
    let socket: net.Socket | undefined;
    let parser: ResponseParser | undefined;
    let currentUrl = first;
    let done = false;
    const deadline = setTimeout(() => {
      const why = parser?.headersDone
        ? "Client.Timeout or context cancellation while reading body"
        : "Client.Timeout exceeded while awaiting headers";
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
      socket?.destroy();
      resolve(o);
    }

    function send(url: URL, hostHeader: string, redirects: number) {
      currentUrl = url;
      const p = new ResponseParser(opts.bodyLimit);
      parser = p;
      const host = bareHostname(url);
      const port = portOf(url);
      const request =
        redirects === 0
          ? prepared.firstRequest
          : formatRequest(url.pathname + url.search, hostHeader, headers);
      const received = (chunk: Buffer) => {
        if (done || s !== socket) return;
        p.feed(chunk);
        if (p.done) completed(url, p, redirects);
      };
      const tlsOn = url.protocol === "https:";
      const s: net.Socket = tlsOn
        ? tls.connect({
            host,
            port,
            rejectUnauthorized: false,
            ...(net.isIP(host) === 0 && { servername: host }),
          })
        : net.connect({
            host,
            port,
            // Plain HTTP reads into one shared buffer instead of a stream chunk per read.
            onread: {
              buffer: READ_BUFFER,
              callback: (n) => {
                received(READ_BUFFER.subarray(0, n));
                return true; // keep reading
              },
            },
          });
      socket = s;
      s.once(tlsOn ? "secureConnect" : "connect", () => s.write(request));
      s.on("error", (err: NodeJS.ErrnoException) => {
        if (done || s !== socket) return;
        const what = p.headersDone ? err.message : describeNetError(err, "dial tcp", authority(url));
        finish(outcome("failure", `Get ${JSON.stringify(url.href)}: ${what}`));
      });
      if (tlsOn) s.on("data", received);
      s.once("end", () => {
        if (done || s !== socket) return;
        p.end();
        completed(url, p, redirects);
      });
    }

    function completed(url: URL, p: ResponseParser, redirects: number) {
      if (p.error !== undefined) {
        finish(outcome("failure", `Get ${JSON.stringify(url.href)}: ${p.error}`));
        return;
      }
      const code = p.statusCode;
      const location = p.headers.get("location");
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
          socket?.destroy();
          // A custom Host survives only a relative redirect, as in Go's client.
          const relative = !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !location.startsWith("//");
          send(next, relative && hostOverride ? hostOverride : next.host, redirects + 1);
          return;
        }
      }
      const body = p.body.toString("utf8");
      if (code >= 200 && code < 300) finish(outcome("success", body));
      else if (code >= 300 && code < 400)
        finish(outcome("warning", `Probe terminated redirects, Response body: ${body}`));
      else finish(outcome("failure", `HTTP probe failed with statuscode: ${code}`));
    }

    if (opts.signal?.aborted) onAbort();
    else send(first, hostOverride ?? authority(first), 0);
  });
}
