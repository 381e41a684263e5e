// A minimal HTTP/1.1 client wire format for probes: one GET per connection ("Connection: close"),
// reading the status, the headers and at most `bodyLimit` body bytes. Node's http client costs
// about twice the CPU per request of this; at hundreds of probes a second that matters. Pure.

const CRLF2 = Buffer.from("\r\n\r\n");
const MAX_HEADER_BYTES = 64 * 1024;

export function formatRequest(path: string, host: string, headers: Record<string, string[]>): Buffer {
  let head = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, values] of Object.entries(headers)) {
    for (const v of values) head += `${name}: ${v.replace(/[\r\n]/g, " ")}\r\n`;
  }
  head += "Connection: close\r\n\r\n";
  return Buffer.from(head, "latin1");
}

type BodyMode = "none" | "length" | "chunked" | "eof";

/**
 * Incremental response parser. Feed it socket data; when `done` is set the outcome is known:
 * `statusCode`, `headers` (lower-case names, first value), `body` (≤ bodyLimit bytes), or `error`.
 */
export class ResponseParser {
  readonly bodyLimit: number;
  statusCode = 0;
  headers = new Map<string, string>();
  done = false;
  error: string | undefined;
  truncated = false;
  #head: Buffer = Buffer.alloc(0);
  #inBody = false;
  #mode: BodyMode = "eof";
  #remaining = 0;
  #chunks: Buffer[] = [];
  #size = 0;
  // chunked decoding state
  #chunkLeft = 0;
  #chunkState: "size" | "data" | "crlf" = "size";
  #line = "";

  constructor(bodyLimit: number) {
    this.bodyLimit = bodyLimit;
  }

  get body(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
  }

  /** Whether the response headers have been read completely. */
  get headersDone(): boolean {
    return this.#inBody || (this.done && this.statusCode > 0);
  }

  /** Keeps no reference to `data` once it returns: the caller may reuse that buffer for its next read. */
  feed(data: Buffer): void {
    if (this.done) return;
    if (!this.#inBody) {
      this.#head = this.#head.length === 0 ? data : Buffer.concat([this.#head, data]);
      this.#parseHead();
      // Headers split across reads (rare): keep a copy of the part read so far.
      if (!this.done && !this.#inBody && this.#head.buffer === data.buffer)
        this.#head = Buffer.from(this.#head);
      return;
    }
    this.#feedBody(data);
  }

  /** The connection ended. */
  end(): void {
    if (this.done) return;
    if (!this.#inBody) {
      this.#fail(this.#head.length === 0 ? "EOF" : "unexpected EOF");
      return;
    }
    if (this.#mode === "eof") this.#finish();
    else this.#fail("unexpected EOF");
  }

  #parseHead(): void {
    for (;;) {
      const at = this.#head.indexOf(CRLF2);
      if (at < 0) {
        if (this.#head.length > MAX_HEADER_BYTES) {
          this.#fail(`net/http: server response headers exceeded ${MAX_HEADER_BYTES} bytes; aborted`);
        }
        return;
      }
      const lines = this.#head.toString("latin1", 0, at).split("\r\n");
      const rest = this.#head.subarray(at + 4);
      const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? "");
      if (!m) {
        this.#fail(`malformed HTTP response ${JSON.stringify(lines[0] ?? "")}`);
        return;
      }
      const code = Number(m[1]);
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
      }
      if (code >= 100 && code < 200 && code !== 101) {
        // Informational response (100 Continue, 103 Early Hints): the real one follows.
        this.#head = rest;
        continue;
      }
      this.statusCode = code;
      this.headers = headers;
      this.#inBody = true;
      this.#head = Buffer.alloc(0);
      const te = headers.get("transfer-encoding")?.toLowerCase();
      const cl = headers.get("content-length");
      if (code === 204 || code === 304 || code === 101) this.#mode = "none";
      else if (te?.includes("chunked")) this.#mode = "chunked";
      else if (cl !== undefined && /^\d+$/.test(cl)) {
        this.#mode = "length";
        this.#remaining = Number(cl);
      } else this.#mode = "eof";
      if (this.#mode === "none" || (this.#mode === "length" && this.#remaining === 0)) {
        this.#finish();
        return;
      }
      if (rest.length > 0) this.#feedBody(rest);
      return;
    }
  }

  #feedBody(data: Buffer): void {
    if (this.#mode === "chunked") {
      this.#feedChunked(data);
      return;
    }
    let d = data;
    if (this.#mode === "length") {
      if (d.length > this.#remaining) d = d.subarray(0, this.#remaining);
      this.#remaining -= d.length;
    }
    this.#append(d);
    if (!this.done && this.#mode === "length" && this.#remaining === 0) this.#finish();
  }

  #feedChunked(data: Buffer): void {
    let pos = 0;
    while (pos < data.length && !this.done) {
      if (this.#chunkState === "size") {
        const nl = data.indexOf(0x0a, pos);
        if (nl < 0) {
          this.#line += data.toString("latin1", pos);
          if (this.#line.length > 4096) this.#fail("malformed chunked encoding");
          return;
        }
        this.#line += data.toString("latin1", pos, nl);
        pos = nl + 1;
        const size = Number.parseInt(this.#line.split(";")[0]!.trim(), 16);
        this.#line = "";
        if (Number.isNaN(size)) {
          this.#fail("malformed chunked encoding");
          return;
        }
        if (size === 0) {
          this.#finish();
          return;
        } // trailers are not needed
        this.#chunkLeft = size;
        this.#chunkState = "data";
      } else if (this.#chunkState === "data") {
        const take = Math.min(this.#chunkLeft, data.length - pos);
        this.#append(data.subarray(pos, pos + take));
        pos += take;
        this.#chunkLeft -= take;
        if (this.#chunkLeft === 0) this.#chunkState = "crlf";
      } else {
        const nl = data.indexOf(0x0a, pos);
        if (nl < 0) return;
        pos = nl + 1;
        this.#chunkState = "size";
      }
    }
  }

  #append(d: Buffer): void {
    if (d.length === 0) return;
    const room = this.bodyLimit - this.#size;
    const part = d.length > room ? d.subarray(0, room) : d;
    if (part.length > 0) {
      // Copy: the socket's buffer may be reused once we return.
      this.#chunks.push(Buffer.from(part));
      this.#size += part.length;
    }
    if (this.#size >= this.bodyLimit) {
      this.truncated = true;
      this.#finish();
    }
  }

  #finish(): void {
    this.done = true;
  }

  #fail(message: string): void {
    this.error = message;
    this.done = true;
  }
}
