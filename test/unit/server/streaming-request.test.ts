import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseStreamingRequest,
  StreamingRequestError,
  streamingKind,
} from "../../../agent/server/streaming-request.ts";

const parse = (pathAndQuery: string) => {
  const url = new URL(pathAndQuery, "https://kubelet");
  return parseStreamingRequest(url.pathname, url.searchParams);
};

function rejects(pathAndQuery: string, status: number, message: RegExp): void {
  assert.throws(
    () => parse(pathAndQuery),
    (err: unknown) =>
      err instanceof StreamingRequestError && err.httpStatus === status && message.test(err.message),
    pathAndQuery,
  );
}

describe("parseStreamingRequest", () => {
  it("reads an exec: container path, repeated command, streams", () => {
    assert.deepEqual(
      parse("/exec/ns/web/app?command=sh&command=-c&command=echo%20hi&input=1&output=1&error=1"),
      {
        kind: "exec",
        target: { namespace: "ns", pod: "web", container: "app" },
        command: ["sh", "-c", "echo hi"],
        streams: { stdin: true, stdout: true, stderr: true, tty: false },
      },
    );
  });

  it("reads the pod UID form and drops stderr under a TTY", () => {
    assert.deepEqual(parse("/exec/ns/web/u-1/app?command=sh&output=1&error=1&tty=1"), {
      kind: "exec",
      target: { namespace: "ns", pod: "web", uid: "u-1", container: "app" },
      command: ["sh"],
      streams: { stdin: false, stdout: true, stderr: false, tty: true },
    });
  });

  it("refuses an exec without command or without any stream (400)", () => {
    rejects("/exec/ns/web/app?output=1", 400, /at least one command/);
    rejects("/exec/ns/web/app?command=ls", 400, /at least 1 of stdin, stdout, stderr/);
    rejects("/exec/ns/web/app?command=ls&output=0&input=false", 400, /at least 1 of/);
  });

  it("404s a path of the wrong shape", () => {
    rejects("/exec/ns/web?command=ls&output=1", 404, /page not found/);
    rejects("/exec/ns/web/a/b/c?command=ls&output=1", 404, /page not found/);
    rejects("/attach/ns//app?output=1", 404, /page not found/);
    rejects("/portForward/ns", 404, /page not found/);
  });

  it("reads an attach", () => {
    assert.deepEqual(parse("/attach/ns/web/app?input=1&output=1"), {
      kind: "attach",
      target: { namespace: "ns", pod: "web", container: "app" },
      streams: { stdin: true, stdout: true, stderr: false, tty: false },
    });
  });

  it("reads a port-forward with and without ports and UID", () => {
    assert.deepEqual(parse("/portForward/ns/web"), {
      kind: "portForward",
      target: { namespace: "ns", pod: "web" },
      ports: [],
    });
    assert.deepEqual(parse("/portForward/ns/web/u-1?port=80&port=8080"), {
      kind: "portForward",
      target: { namespace: "ns", pod: "web", uid: "u-1" },
      ports: [80, 8080],
    });
    rejects("/portForward/ns/web?port=http", 400, /unable to parse "http" as a port/);
    rejects("/portForward/ns/web?port=70000", 400, /out of range/);
    rejects("/portForward/ns/web?port=0", 400, /must be > 0/);
  });

  it("reads /run's space-separated cmd", () => {
    assert.deepEqual(parse("/run/ns/web/app?cmd=cat%20%20/etc/hostname"), {
      kind: "run",
      target: { namespace: "ns", pod: "web", container: "app" },
      command: ["cat", "/etc/hostname"],
    });
    rejects("/run/ns/web/app", 400, /missing cmd/);
  });

  it("decodes escaped path segments", () => {
    const r = parse("/attach/ns/web/my%2Dapp?output=1");
    assert.equal(r.kind === "attach" && r.target.container, "my-app");
    rejects("/attach/ns/web/%E0%A4%A?output=1", 400, /malformed path/);
  });
});

describe("streamingKind", () => {
  it("names the kind by the first segment only", () => {
    assert.equal(streamingKind("/exec/a/b/c"), "exec");
    assert.equal(streamingKind("/portForward/a/b"), "portForward");
    assert.equal(streamingKind("/run"), "run");
    assert.equal(streamingKind("/execx/a"), undefined);
    assert.equal(streamingKind("/pods"), undefined);
    assert.equal(streamingKind("/constructor/a"), undefined);
  });
});
