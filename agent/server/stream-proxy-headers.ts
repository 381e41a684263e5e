// The request nodelet sends to the runtime's streaming server on the client's behalf: the
// runtime's URL, the client's headers minus hop-by-hop ones and credentials. An upgrade keeps
// `Connection: Upgrade` and `Upgrade` (they are the point); repeated headers stay separate lines,
// because the streaming server negotiates over each X-Stream-Protocol-Version line, not a joined list.
import { STATUS_CODES } from "node:http";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** The client's credentials are for nodelet; the runtime's URL carries its own one-time token. */
const NOT_FORWARDED = new Set(["host", "authorization", "proxy-authorization"]);

/** Header names the Connection header lists (they are hop-by-hop too). */
function connectionTokens(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== "connection") continue;
    for (const t of rawHeaders[i + 1]!.split(",")) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}

/** The headers to forward, in Node's raw form ([name, value, name, value, …]), without Host. */
export function forwardedHeaders(rawHeaders: readonly string[], upgrade: boolean): string[] {
  const listed = connectionTokens(rawHeaders);
  const out: string[] = [];
  let upgradeTo: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === "upgrade") upgradeTo ??= value;
    if (NOT_FORWARDED.has(lower) || HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    out.push(name, value);
  }
  if (upgrade && upgradeTo !== undefined) out.push("Connection", "Upgrade", "Upgrade", upgradeTo);
  return out;
}

/** Request line and header block for `target`, ready to write to the runtime's socket. */
export function proxiedRequestHead(method: string, target: URL, headers: readonly string[]): string {
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i + 1 < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** A complete plain-text HTTP response for a socket that was never handed to an HTTP response. */
export function rawErrorResponse(status: number, message: string): string {
  const body = message.endsWith("\n") ? message : `${message}\n`;
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Content-Type: text/plain; charset=utf-8",
    "X-Content-Type-Options: nosniff",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}
