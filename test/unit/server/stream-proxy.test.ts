// proxyUpgrade / proxyPlain between real loopback sockets: a front server playing the kubelet API
// and a fake runtime streaming server.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { proxyPlain, proxyUpgrade } from "../../../agent/server/stream-proxy.ts";

const servers: { close(): unknown; closeAllConnections?: () => void }[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections?.();
    s.close();
  }
});

async function listen<T extends Server | ReturnType<typeof createNetServer>>(server: T): Promise<number> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Answers one upgrade with 101, then echoes what it reads in upper case; records the request head. */
async function fakeStreamingServer(): Promise<{ port: number; heads: string[] }> {
  const heads: string[] = [];
  const server = createNetServer((socket) => {
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on("data", (chunk: Buffer) => {
      if (upgraded) return void socket.write(chunk.toString().toUpperCase());
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      heads.push(buffered.subarray(0, end).toString());
      upgraded = true;
      socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n");
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.write(rest.toString().toUpperCase());
    });
  });
  return { port: await listen(server), heads };
}

async function frontServer(target: () => URL): Promise<number> {
  const server = createHttpServer({ shouldUpgradeCallback: () => true }, (req, res) => {
    void proxyPlain(req, res, target());
  });
  server.on("upgrade", (req, socket, head) => proxyUpgrade(req, socket, head, target()));
  return listen(server);
}

function readUntil(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        socket.off("data", onData);
        resolve(seen);
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => reject(new Error(`closed before "${text}"; got ${JSON.stringify(seen)}`)));
  });
}

describe("proxyUpgrade", () => {
  it("replays the upgrade to the runtime URL and joins the sockets, bytes read early included", async () => {
    const runtime = await fakeStreamingServer();
    const front = await frontServer(() => new URL(`http://127.0.0.1:${runtime.port}/exec/tok?a=1`));
    const client = connect(front, "127.0.0.1");
    await once(client, "connect");
    client.write(
      "POST /exec/ns/p/c?command=sh HTTP/1.1\r\nHost: node:10250\r\nAuthorization: Bearer t\r\n" +
        "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n" +
        "X-Stream-Protocol-Version: v3.channel.k8s.io\r\n\r\nearly",
    );
    const answer = await readUntil(client, "EARLY");
    assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    client.write("later");
    await readUntil(client, "LATER");
    client.destroy();
    const head = runtime.heads[0]!.split("\r\n");
    assert.equal(head[0], "POST /exec/tok?a=1 HTTP/1.1");
    assert.ok(head.includes(`Host: 127.0.0.1:${runtime.port}`), head.join(" | "));
    assert.ok(!head.some((l) => /^authorization:/i.test(l)), head.join(" | "));
    assert.deepEqual(
      head.filter((l) => l.startsWith("X-Stream-Protocol-Version")),
      ["X-Stream-Protocol-Version: v4.channel.k8s.io", "X-Stream-Protocol-Version: v3.channel.k8s.io"],
    );
    assert.ok(head.includes("Upgrade: SPDY/3.1") && head.includes("Connection: Upgrade"));
  });

  it("answers 500 when the runtime's streaming server cannot be reached", async () => {
    const closed = createNetServer();
    const deadPort = await listen(closed);
    closed.close();
    const front = await frontServer(() => new URL(`http://127.0.0.1:${deadPort}/exec/tok`));
    const client = connect(front, "127.0.0.1");
    client.write("GET /exec/ns/p/c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    const answer = await readUntil(client, "streaming server");
    assert.match(answer, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    assert.match(answer, /error dialing the runtime's streaming server: connect ECONNREFUSED/);
    client.destroy();
  });
});

describe("proxyPlain", () => {
  it("relays a request without Upgrade and the runtime's answer", async () => {
    const seen: { url?: string; host?: string; auth?: string } = {};
    const runtime = createHttpServer((req, res) => {
      Object.assign(seen, { url: req.url, host: req.headers.host, auth: req.headers.authorization });
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Upgrade request required\n");
    });
    const port = await listen(runtime);
    const front = await frontServer(() => new URL(`http://127.0.0.1:${port}/attach/tok`));
    const res = await fetch(`http://127.0.0.1:${front}/attach/ns/p/c?output=1`, {
      headers: { authorization: "Bearer t" },
    });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), "Upgrade request required\n");
    assert.deepEqual(seen, { url: "/attach/tok", host: `127.0.0.1:${port}`, auth: undefined });
  });
});
