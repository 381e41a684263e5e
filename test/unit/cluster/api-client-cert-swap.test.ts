// ApiClient.setClientCertificate against a local HTTPS server that reports the client certificate
// of each request and sees every connection open and close: new requests present the new
// certificate on a new connection, the idle one is closed at once, a watch in flight keeps its
// connection until it ends and that connection is not reused.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient, type WatchEvent } from "../../../agent/cluster/api-client.ts";
import type { ApiConnection } from "../../../agent/cluster/kubeconfig.ts";
import { type DatedCert, datedSelfSignedCert } from "../../harness/dated-cert.ts";

interface Seen {
  serial: string;
  port: number;
}

let server: Server;
let url: string;
let certA: DatedCert;
let certB: DatedCert;
const closedPorts = new Set<number>();
let watchResponse: ServerResponse | undefined;

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

before(async () => {
  const [serving, a, b] = await Promise.all(
    ["/CN=server", "/CN=client-a", "/CN=client-b"].map((s) =>
      datedSelfSignedCert(s, "20200101000000Z", "20991231000000Z"),
    ),
  );
  certA = a!;
  certB = b!;
  server = createServer(
    { cert: serving!.certPem, key: serving!.keyPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const seen: Seen = { serial: socket.getPeerCertificate().serialNumber, port: socket.remotePort! };
      if (req.url?.startsWith("/watch")) {
        watchResponse = res;
        res.writeHead(200, { "content-type": "application/json" });
        res.write(`${JSON.stringify({ type: "ADDED", object: seen })}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(seen));
    },
  );
  server.on("secureConnection", (socket) => {
    const port = socket.remotePort!;
    socket.once("close", () => closedPorts.add(port));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.closeAllConnections();
  server?.close();
});

function connection(cert: DatedCert): ApiConnection {
  return {
    server: url,
    tls: { cert: cert.certPem, key: cert.keyPem, rejectUnauthorized: false },
    authHeaders: async () => ({}),
    refreshCredentials: async () => {},
    describe: "test server",
  };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test("a new client certificate is used by new connections; idle ones close, a watch keeps its own", async () => {
  const client = new ApiClient(connection(certA));
  const stopWatch = new AbortController();
  try {
    const events: WatchEvent<Seen>[] = [];
    const watching = client.watch<Seen>("/watch?watch=1", (ev) => events.push(ev), stopWatch.signal);
    await until("the watch's first event", () => events.length === 1);
    const watchPort = events[0]!.object.port;
    assert.equal(events[0]!.object.serial, serialOf(certA.certPem));

    const first = await client.get<Seen>("/whoami");
    assert.equal(first.serial, serialOf(certA.certPem));
    assert.notEqual(first.port, watchPort);
    assert.equal((await client.get<Seen>("/whoami")).port, first.port, "keep-alive reuses the connection");

    client.setClientCertificate(certB.certPem, certB.keyPem);
    await until("the idle connection to close", () => closedPorts.has(first.port));

    const second = await client.get<Seen>("/whoami");
    assert.equal(second.serial, serialOf(certB.certPem));
    assert.ok(second.port !== first.port && second.port !== watchPort, "a new connection");

    // The watch goes on over the connection made with the old certificate.
    watchResponse!.write(`${JSON.stringify({ type: "MODIFIED", object: { serial: "x", port: 0 } })}\n`);
    await until("the watch's second event", () => events.length === 2);
    assert.equal(closedPorts.has(watchPort), false);
    watchResponse!.end();
    await watching;
    await until("the finished watch's connection to close", () => closedPorts.has(watchPort));

    const third = await client.get<Seen>("/whoami");
    assert.deepEqual(third, second, "the new connection is kept alive and reused");
  } finally {
    stopWatch.abort();
    client.close();
  }
});

test("a client of a plain-http server refuses a client certificate", () => {
  const client = new ApiClient({ ...connection(certA), server: "http://127.0.0.1:1" });
  try {
    assert.throws(() => client.setClientCertificate(certB.certPem, certB.keyPem), /needs https/);
  } finally {
    client.close();
  }
});
