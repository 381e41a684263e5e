import assert from "node:assert/strict";
import { test } from "node:test";
import { formatRequest, ResponseParser } from "../../../probes/handlers/http-wire.ts";

const feedAll = (p: ResponseParser, ...parts: string[]) => {
  for (const part of parts) p.feed(Buffer.from(part, "latin1"));
  return p;
};

test("request: GET line, Host first, headers, Connection: close", () => {
  assert.equal(
    formatRequest("/healthz?x=1", "10.0.0.1:8080", {
      "User-Agent": ["kube-probe/1.34"],
      "X-A": ["1", "2"],
    }).toString(),
    "GET /healthz?x=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: kube-probe/1.34\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n",
  );
  assert.doesNotMatch(formatRequest("/", "h", { "X-Evil": ["a\r\nInjected: 1"] }).toString(), /\r\nInjected/);
});

test("content-length body, split across reads", () => {
  const p = feedAll(new ResponseParser(1024), "HTTP/1.1 200 OK\r\nContent-Le", "ngth: 5\r\n\r\nhel", "lo");
  assert.equal(p.done, true);
  assert.equal(p.statusCode, 200);
  assert.equal(p.body.toString(), "hello");
  assert.equal(p.headers.get("content-length"), "5");
});

test("chunked body is decoded", () => {
  const p = feedAll(
    new ResponseParser(1024),
    "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nLocation: /x\r\n\r\n",
    "4;ext=1\r\nWiki\r\n5\r\npedia\r\n",
    "0\r\n\r\n",
  );
  assert.equal(p.done, true);
  assert.equal(p.statusCode, 503);
  assert.equal(p.body.toString(), "Wikipedia");
  assert.equal(p.headers.get("location"), "/x");
});

test("body read until EOF without framing; body capped at the limit", () => {
  const p = feedAll(new ResponseParser(4), "HTTP/1.0 200 OK\r\n\r\nab");
  assert.equal(p.done, false);
  p.feed(Buffer.from("cdef"));
  assert.equal(p.done, true);
  assert.equal(p.truncated, true);
  assert.equal(p.body.toString(), "abcd");
  const q = feedAll(new ResponseParser(100), "HTTP/1.1 200 OK\r\n\r\nxyz");
  q.end();
  assert.equal(q.done, true);
  assert.equal(q.error, undefined);
  assert.equal(q.body.toString(), "xyz");
});

test("1xx responses are skipped; 204/304 have no body", () => {
  const p = feedAll(new ResponseParser(100), "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  assert.equal(p.done, true);
  assert.equal(p.statusCode, 204);
  const q = feedAll(new ResponseParser(100), "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
  assert.equal(q.done, true);
});

test("malformed or truncated responses are errors", () => {
  assert.match(
    feedAll(new ResponseParser(10), "SSH-2.0-OpenSSH\r\n\r\n").error ?? "",
    /malformed HTTP response/,
  );
  const p = feedAll(new ResponseParser(10), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  p.end();
  assert.equal(p.error, "unexpected EOF");
  const q = new ResponseParser(10);
  q.end();
  assert.equal(q.error, "EOF");
  assert.equal(q.headersDone, false);
});

test("the parser keeps no reference to a fed buffer: the caller may reuse it for the next read", () => {
  const shared = Buffer.alloc(64);
  const p = new ResponseParser(100);
  const read = (text: string) => {
    shared.fill(0x58); // what the next read leaves in the buffer beyond its own bytes
    const n = shared.write(text, "latin1");
    p.feed(shared.subarray(0, n));
  };
  for (const part of ["HTTP/1.1 20", "0 OK\r\nContent-Le", "ngth: 6\r\n\r\nhel", "lo!"]) read(part);
  assert.equal(p.done, true);
  assert.equal(p.statusCode, 200);
  assert.equal(p.body.toString(), "hello!");
});
