import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  forwardedHeaders,
  proxiedRequestHead,
  rawErrorResponse,
} from "../../../agent/server/stream-proxy-headers.ts";

/** Node's raw header list from name/value pairs. */
const raw = (...pairs: [string, string][]): string[] => pairs.flat();

const spdyRequest = raw(
  ["Host", "10.0.0.5:10250"],
  ["Authorization", "Bearer secret"],
  ["Connection", "Upgrade, X-Trace"],
  ["Upgrade", "SPDY/3.1"],
  ["X-Stream-Protocol-Version", "v4.channel.k8s.io"],
  ["X-Stream-Protocol-Version", "v3.channel.k8s.io"],
  ["X-Trace", "hop"],
  ["Keep-Alive", "timeout=5"],
  ["User-Agent", "kube-apiserver"],
  ["Content-Length", "0"],
);

describe("forwardedHeaders", () => {
  it("keeps the upgrade and each protocol line; drops Host, credentials and hop-by-hop headers", () => {
    assert.deepEqual(
      forwardedHeaders(spdyRequest, true),
      raw(
        ["X-Stream-Protocol-Version", "v4.channel.k8s.io"],
        ["X-Stream-Protocol-Version", "v3.channel.k8s.io"],
        ["User-Agent", "kube-apiserver"],
        ["Content-Length", "0"],
        ["Connection", "Upgrade"],
        ["Upgrade", "SPDY/3.1"],
      ),
    );
  });

  it("drops the upgrade for a plain relay", () => {
    const out = forwardedHeaders(spdyRequest, false);
    assert.ok(!out.some((h) => /^(connection|upgrade)$/i.test(h)), out.join(" "));
  });

  it("keeps WebSocket handshake headers", () => {
    const ws = raw(
      ["Connection", "Upgrade"],
      ["Upgrade", "websocket"],
      ["Sec-WebSocket-Key", "abc=="],
      ["Sec-WebSocket-Version", "13"],
      ["Sec-WebSocket-Protocol", "v5.channel.k8s.io, v4.channel.k8s.io"],
      ["Proxy-Authorization", "Basic x"],
    );
    assert.deepEqual(
      forwardedHeaders(ws, true),
      raw(
        ["Sec-WebSocket-Key", "abc=="],
        ["Sec-WebSocket-Version", "13"],
        ["Sec-WebSocket-Protocol", "v5.channel.k8s.io, v4.channel.k8s.io"],
        ["Connection", "Upgrade"],
        ["Upgrade", "websocket"],
      ),
    );
  });
});

describe("proxiedRequestHead", () => {
  it("targets the runtime URL's path and query with its Host", () => {
    const head = proxiedRequestHead("POST", new URL("http://127.0.0.1:40123/exec/Tok3n?x=1"), [
      "Upgrade",
      "SPDY/3.1",
    ]);
    assert.equal(head, "POST /exec/Tok3n?x=1 HTTP/1.1\r\nHost: 127.0.0.1:40123\r\nUpgrade: SPDY/3.1\r\n\r\n");
  });
});

describe("rawErrorResponse", () => {
  it("is a complete response that closes the connection", () => {
    const text = rawErrorResponse(404, "pod does not exist");
    const [head, body] = text.split("\r\n\r\n");
    assert.equal(body, "pod does not exist\n");
    assert.match(head!, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(head!, /\r\nContent-Length: 19\r\n/);
    assert.match(head!, /\r\nConnection: close$/);
  });
});
