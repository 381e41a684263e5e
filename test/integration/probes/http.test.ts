// httpGet handler against real HTTP/HTTPS servers on 127.0.0.1.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Container, HTTPGetAction } from "../../../agent/api/pod.ts";
import { runHandler } from "../../../probes/handlers/index.ts";

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

const seen: Seen[] = [];
const servers: { close(): void; closeAllConnections?: () => void }[] = [];
let port = 0;
let hangPort = 0;
let tlsPort = 0;
let bigBodyClosed: Promise<void> = Promise.resolve();
let tmp = "";

function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

before(async () => {
  let onBigClosed: () => void = () => {};
  bigBodyClosed = new Promise((r) => {
    onBigClosed = r;
  });
  const app = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders });
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    if (p === "/ok") res.end("fine");
    else if (p === "/nocontent") res.writeHead(204).end();
    else if (p === "/fail") res.writeHead(503).end("down");
    else if (p === "/notfound") res.writeHead(404).end();
    else if (p === "/redirect-same") res.writeHead(302, { location: "/ok?from=redirect" }).end();
    else if (p === "/redirect-abs") res.writeHead(301, { location: `http://127.0.0.1:${port}/ok` }).end();
    else if (p === "/redirect-to-fail") res.writeHead(307, { location: "/fail" }).end();
    else if (p === "/redirect-other-host")
      res.writeHead(302, { location: `http://localhost:${port}/never` }).end("elsewhere");
    else if (p === "/loop") {
      const n = Number(url.searchParams.get("n") ?? "0");
      res.writeHead(302, { location: `/loop?n=${n + 1}` }).end();
    } else if (p === "/304") res.writeHead(304).end();
    else if (p === "/big") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.socket?.once("close", onBigClosed);
      const chunk = Buffer.alloc(64 * 1024, "x");
      // Keep writing until the client goes away.
      const timer = setInterval(() => {
        if (res.destroyed || res.socket?.destroyed) clearInterval(timer);
        else res.write(chunk);
      }, 5);
      res.write(chunk);
    } else if (p === "/slow-body") {
      res.writeHead(200);
      res.write("partial");
    } else res.writeHead(500).end();
  });
  port = await listen(app);

  // Accepts connections, never answers.
  const hang = http.createServer(() => {});
  hangPort = await listen(hang);

  tmp = mkdtempSync(join(tmpdir(), "probe-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(tmp, "key.pem"),
      "-out",
      join(tmp, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=probe-test",
    ],
    { stdio: "ignore" },
  );
  const tls = https.createServer(
    { key: readFileSync(join(tmp, "key.pem")), cert: readFileSync(join(tmp, "cert.pem")) },
    (req, res) => {
      seen.push({ path: `tls:${req.url}`, headers: req.headers, rawHeaders: req.rawHeaders });
      res.end("secure");
    },
  );
  tlsPort = await listen(tls);
});

after(() => {
  for (const s of servers) {
    s.closeAllConnections?.();
    s.close();
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const container = (): Container => ({
  name: "web",
  image: "busybox",
  ports: [{ name: "web-port", containerPort: port }],
});

function probe(action: Partial<HTTPGetAction>, timeoutMs = 1000, bodyLimit?: number) {
  const target = { container: container(), containerId: "c", podIP: "127.0.0.1", hostNetwork: false };
  return runHandler(
    { httpGet: { port, ...action } },
    target,
    timeoutMs,
    bodyLimit === undefined ? {} : { httpBodyLimit: bodyLimit },
  );
}

test("200 and 204 succeed; the server sees the kubelet's headers", async () => {
  seen.length = 0;
  assert.deepEqual(await probe({ path: "/ok" }), { status: "success", message: "fine" });
  assert.equal((await probe({ path: "/nocontent" })).status, "success");
  const h = seen[0]!.headers;
  assert.equal(h["user-agent"], "kube-probe/1.34");
  assert.equal(h.accept, "*/*");
  assert.equal(h.host, `127.0.0.1:${port}`);
  assert.equal(h.connection, "close");
});

test("httpHeaders are sent, Host overrides the host header, named port resolves", async () => {
  seen.length = 0;
  const r = await probe({
    port: "web-port",
    path: "/ok",
    httpHeaders: [
      { name: "X-Probe-Token", value: "abc" },
      { name: "x-multi", value: "1" },
      { name: "x-multi", value: "2" },
      { name: "Host", value: "app.example.com" },
      { name: "User-Agent", value: "custom-agent" },
      { name: "Accept", value: "application/json" },
    ],
  });
  assert.equal(r.status, "success");
  const s = seen[0]!;
  assert.equal(s.headers["x-probe-token"], "abc");
  assert.equal(s.headers["x-multi"], "1, 2");
  assert.equal(s.headers.host, "app.example.com");
  assert.equal(s.headers["user-agent"], "custom-agent");
  assert.equal(s.headers.accept, "application/json");
  assert.ok(s.rawHeaders.includes("X-Probe-Token"), "header names are sent in canonical form");
});

test("an empty Accept header removes it", async () => {
  seen.length = 0;
  await probe({ path: "/ok", httpHeaders: [{ name: "Accept", value: "" }] });
  assert.equal(seen[0]!.headers.accept, undefined);
});

test("4xx/5xx fail with the status code", async () => {
  assert.deepEqual(await probe({ path: "/fail" }), {
    status: "failure",
    message: "HTTP probe failed with statuscode: 503",
  });
  assert.equal((await probe({ path: "/notfound" })).status, "failure");
});

test("redirects to the same host are followed", async () => {
  seen.length = 0;
  assert.deepEqual(await probe({ path: "/redirect-same" }), { status: "success", message: "fine" });
  assert.deepEqual(
    seen.map((s) => s.path),
    ["/redirect-same", "/ok?from=redirect"],
  );
  assert.equal(seen[1]!.headers["user-agent"], "kube-probe/1.34");
  assert.equal((await probe({ path: "/redirect-abs" })).status, "success");
  assert.equal((await probe({ path: "/redirect-to-fail" })).status, "failure");
});

test("a redirect to another host is not followed and counts as success with a warning", async () => {
  seen.length = 0;
  const r = await probe({ path: "/redirect-other-host" });
  assert.equal(r.status, "warning");
  assert.match(r.message, /^Probe terminated redirects, Response body: elsewhere/);
  assert.deepEqual(
    seen.map((s) => s.path),
    ["/redirect-other-host"],
  );
});

test("after 10 redirects the last redirect response is the result (warning)", async () => {
  seen.length = 0;
  const r = await probe({ path: "/loop" });
  assert.equal(r.status, "warning");
  assert.equal(seen.length, 11);
  assert.equal((await probe({ path: "/304" })).status, "warning");
});

test("a hanging server costs exactly its own timeout and blocks no other probe", async () => {
  const t0 = performance.now();
  const hanging = runHandler(
    { httpGet: { port: hangPort, path: "/" } },
    { container: container(), containerId: "c", podIP: "127.0.0.1", hostNetwork: false },
    1000,
  );
  const fast = await probe({ path: "/ok" });
  const fastMs = performance.now() - t0;
  assert.equal(fast.status, "success");
  assert.ok(fastMs < 500, `fast probe took ${fastMs} ms`);
  const r = await hanging;
  const ms = performance.now() - t0;
  assert.equal(r.status, "failure");
  assert.match(r.message, /context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)/);
  assert.ok(ms >= 990 && ms < 1500, `hanging probe took ${ms} ms`);
});

test("a body that stops mid-way fails at the timeout", async () => {
  const r = await probe({ path: "/slow-body" }, 300);
  assert.equal(r.status, "failure");
  assert.match(r.message, /while reading body/);
});

test("only bodyLimit bytes are read, then the connection is closed", async () => {
  const t0 = performance.now();
  const r = await probe({ path: "/big" }, 2000);
  assert.equal(r.status, "success");
  assert.equal(r.message.length, 10 * 1024);
  await bigBodyClosed; // the server sees its socket closed
  assert.ok(performance.now() - t0 < 1000);
  const small = await probe({ path: "/ok" }, 1000, 2);
  assert.equal(small.message, "fi");
});

test("connection refused fails with a dial error", async () => {
  const closed = http.createServer();
  const p = await new Promise<number>((r) =>
    closed.listen(0, "127.0.0.1", () => r((closed.address() as AddressInfo).port)),
  );
  await new Promise((r) => closed.close(r));
  const r = await probe({ port: p, path: "/" });
  assert.equal(r.status, "failure");
  assert.match(r.message, new RegExp(`dial tcp 127.0.0.1:${p}: connect: connection refused`));
});

test("HTTPS with a self-signed certificate succeeds (no certificate check)", async () => {
  seen.length = 0;
  const r = await probe({ port: tlsPort, scheme: "HTTPS", path: "/tls" });
  assert.deepEqual(r, { status: "success", message: "secure" });
  assert.equal(seen[0]!.path, "tls:/tls");
  assert.equal(seen[0]!.headers["user-agent"], "kube-probe/1.34");
});

test("an unknown named port is a prober error, not a failure", async () => {
  const r = await probe({ port: "nope" });
  assert.deepEqual(r, { status: "error", message: "port nope not found" });
});

test("lifecycle purpose sends kube-lifecycle as User-Agent", async () => {
  seen.length = 0;
  await runHandler(
    { httpGet: { port, path: "/ok" } },
    { container: container(), containerId: "c", hostNetwork: true },
    1000,
    { purpose: "lifecycle" },
  );
  assert.equal(seen[0]!.headers["user-agent"], "kube-lifecycle/1.34");
  assert.equal(seen[0]!.headers.host, `127.0.0.1:${port}`, "host-network pods are probed on the node");
});

test("aborting a probe to a hanging server ends it at once", async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  const p = runHandler(
    { httpGet: { port: hangPort, path: "/" } },
    { container: container(), containerId: "c", podIP: "127.0.0.1", hostNetwork: false },
    5000,
    { signal: ac.signal },
  );
  setTimeout(() => ac.abort(), 50);
  const r = await p;
  assert.equal(r.status, "failure");
  assert.match(r.message, /context canceled/);
  assert.ok(performance.now() - t0 < 1000);
});
