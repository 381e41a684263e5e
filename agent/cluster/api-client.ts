// The agent's one connection to the API server: JSON requests and watch streams over a keep-alive
// HTTPS agent. Errors carry the API's Status (code, reason) so callers decide by `reason`;
// transport failures (refused, reset, timeout) become status 0 "Unavailable".
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ApiConnection } from "./kubeconfig.ts";

export type PatchType = "merge" | "strategic" | "json" | "apply";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface WatchEvent<T = unknown> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** meta/v1 Status as the API returns it for failures. */
export interface ApiStatus {
  kind?: "Status";
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get conflict(): boolean {
    return this.status === 409;
  }
  /** Worth retrying later unchanged: server or network trouble, throttling. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Watches ask the server to end them after this long; a silent stream past it is dead. */
export const WATCH_TIMEOUT_SECONDS = 300;

export class ApiClient {
  readonly #conn: ApiConnection;
  #tls: ApiConnection["tls"];
  #agent: HttpsAgent | HttpAgent;
  /** Agents replaced by a new client certificate whose connections are still in use. */
  readonly #retired = new Set<HttpsAgent>();
  readonly #https: boolean;
  readonly #userAgent: string;

  constructor(conn: ApiConnection, userAgent = "nodelet") {
    this.#conn = conn;
    this.#tls = { ...conn.tls };
    this.#https = conn.server.startsWith("https:");
    this.#agent = this.#https ? this.#newHttpsAgent() : new HttpAgent({ keepAlive: true, maxFreeSockets: 8 });
    this.#userAgent = userAgent;
  }

  get server(): string {
    return this.#conn.server;
  }

  /**
   * New connections present this client certificate (PEM; cert and key may be the same text).
   * Idle keep-alive connections are closed now, so the next requests reconnect with it; requests
   * in flight (watches) finish on their connection, which is closed then instead of reused.
   */
  setClientCertificate(cert: Buffer | string, key: Buffer | string): void {
    if (!this.#https) throw new Error(`${this.#conn.server}: a client certificate needs https`);
    const old = this.#agent as HttpsAgent;
    this.#tls = { ...this.#tls, cert, key };
    this.#agent = this.#newHttpsAgent();
    // The agent's own "free" listener pools the socket first; this one then closes it.
    old.on("free", (socket) => socket.destroy());
    for (const sockets of Object.values(old.freeSockets)) for (const s of sockets ?? []) s.destroy();
    for (const a of this.#retired) if (!hasSockets(a)) this.#retired.delete(a);
    if (hasSockets(old)) this.#retired.add(old);
  }

  #newHttpsAgent(): HttpsAgent {
    return new HttpsAgent({ keepAlive: true, maxFreeSockets: 8, ...this.#tls });
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, opts);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  update<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }

  patch<T>(path: string, body: unknown, type: PatchType = "merge"): Promise<T> {
    return this.request<T>("PATCH", path, { body, contentType: PATCH_CONTENT_TYPES[type] });
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("DELETE", path, body === undefined ? {} : { body });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.#send(method, path, opts);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw toApiError(status, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Streams a watch (path with `watch=1` and query already set) until the server ends it, the
   * signal aborts, or the stream goes silent. Resolves on a normal end; rejects on HTTP or
   * transport errors. ERROR events are delivered like the others.
   */
  async watch<T>(path: string, onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const res = await this.#send("GET", path, { signal, timeoutMs: (WATCH_TIMEOUT_SECONDS + 60) * 1000 });
    const status = res.statusCode ?? 0;
    if (status !== 200) throw toApiError(status, await readBody(res), "WATCH", path);
    res.setEncoding("utf8");
    let pending = "";
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        res.destroy();
        resolve();
      };
      signal.addEventListener("abort", abort, { once: true });
      res.on("data", (chunk: string) => {
        pending += chunk;
        let nl = pending.indexOf("\n");
        while (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim()) {
            try {
              onEvent(JSON.parse(line) as WatchEvent<T>);
            } catch (err) {
              res.destroy();
              signal.removeEventListener("abort", abort);
              reject(err);
              return;
            }
          }
          nl = pending.indexOf("\n");
        }
      });
      res.once("end", () => {
        signal.removeEventListener("abort", abort);
        resolve();
      });
      res.once("error", (err) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) resolve();
        else reject(new ApiError(0, "Unavailable", `watch ${path}: ${err.message}`));
      });
      res.once("close", () => {
        signal.removeEventListener("abort", abort);
        if (!res.complete && !signal.aborted) {
          reject(new ApiError(0, "Unavailable", `watch ${path}: connection closed mid-stream`));
        } else resolve();
      });
    });
  }

  close(): void {
    this.#agent.destroy();
    for (const a of this.#retired) a.destroy();
    this.#retired.clear();
  }

  async #send(method: string, path: string, opts: RequestOptions): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.#userAgent,
      ...(await this.#conn.authHeaders()),
    };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
      headers["content-type"] = opts.contentType ?? "application/json";
      headers["content-length"] = String(payload.length);
    }
    const url = new URL(this.#conn.server + path);
    const doRequest = this.#https ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = doRequest(url, {
        method,
        headers,
        agent: this.#agent,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      req.setTimeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`no answer in ${Math.round((opts.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000)}s`)),
      );
      req.once("response", resolve);
      req.once("error", (err) =>
        reject(new ApiError(0, "Unavailable", `${method} ${path}: ${this.#conn.server}: ${err.message}`)),
      );
      req.end(payload);
    });
  }
}

function hasSockets(agent: HttpsAgent): boolean {
  return Object.values(agent.sockets).some((list) => (list?.length ?? 0) > 0);
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.once("error", (err) => reject(new ApiError(0, "Unavailable", err.message)));
  });
}

function toApiError(status: number, text: string, method: string, path: string): ApiError {
  let st: ApiStatus | undefined;
  try {
    st = JSON.parse(text) as ApiStatus;
  } catch {
    st = undefined;
  }
  const reason = st?.reason ?? `HTTP${status}`;
  const message = st?.message ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
  return new ApiError(status, reason, `${method} ${path}: ${message}`);
}

/** Builds `path?k=v&...` skipping undefined values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}${path.includes("?") ? "&" : "?"}${s}` : path;
}
