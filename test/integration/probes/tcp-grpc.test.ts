// tcpSocket and grpc handlers against real listeners on 127.0.0.1, plus the manager reusing one
// gRPC channel per worker and closing it when the container goes away.
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import type { Container } from "../../../agent/api/pod.ts";
import { silentLogger } from "../../../agent/log.ts";
import {
  decodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_PATH,
  type ServingStatus,
} from "../../../probes/handlers/grpc-health-codec.ts";
import { runHandler } from "../../../probes/handlers/index.ts";
import { type ProbeEvent, ProbeManager } from "../../../probes/manager.ts";

const container: Container = { name: "app", image: "busybox", ports: [{ name: "svc", containerPort: 1 }] };
const target = { container, containerId: "c", podIP: "127.0.0.1", hostNetwork: false };

let tcpServer: net.Server;
let tcpPort = 0;
let grpcServer: grpc.Server;
let grpcPort = 0;
let slowGrpcPort = 0;
let slowGrpcServer: grpc.Server;
const grpcUserAgents: string[] = [];
const statuses = new Map<string, ServingStatus>([
  ["", "SERVING"],
  ["db", "NOT_SERVING"],
]);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function healthService(
  handler: grpc.handleUnaryCall<{ service: string }, { status: ServingStatus }>,
): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const def: grpc.ServiceDefinition = {
    Check: {
      path: HEALTH_CHECK_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
      requestDeserialize: decodeHealthCheckRequest,
      responseSerialize: encodeHealthCheckResponse,
      responseDeserialize: (b: Buffer) => b,
    },
  };
  return [def, { Check: handler }];
}

async function startGrpc(handler: grpc.handleUnaryCall<{ service: string }, { status: ServingStatus }>) {
  const server = new grpc.Server();
  server.addService(...healthService(handler));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port };
}

before(async () => {
  tcpServer = net.createServer((s) => s.end());
  tcpPort = await new Promise((r) =>
    tcpServer.listen(0, "127.0.0.1", () => r((tcpServer.address() as AddressInfo).port)),
  );

  ({ server: grpcServer, port: grpcPort } = await startGrpc((call, cb) => {
    grpcUserAgents.push(String(call.metadata.get("user-agent")[0] ?? ""));
    const status = statuses.get(call.request.service);
    if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
    else cb(null, { status });
  }));
  ({ server: slowGrpcServer, port: slowGrpcPort } = await startGrpc((_call, cb) => {
    setTimeout(() => cb(null, { status: "SERVING" }), 3000).unref();
  }));
});

after(() => {
  tcpServer.close();
  grpcServer.forceShutdown();
  slowGrpcServer.forceShutdown();
});

test("tcpSocket: a listening port succeeds, a closed port fails", async () => {
  assert.deepEqual(await runHandler({ tcpSocket: { port: tcpPort } }, target, 1000), {
    status: "success",
    message: "",
  });
  const closed = await freePort();
  const r = await runHandler({ tcpSocket: { port: closed } }, target, 1000);
  assert.equal(r.status, "failure");
  assert.equal(r.message, `dial tcp 127.0.0.1:${closed}: connect: connection refused`);
});

test("tcpSocket: named port and explicit host", async () => {
  const c = { ...container, ports: [{ name: "svc", containerPort: tcpPort }] };
  const r = await runHandler(
    { tcpSocket: { port: "svc", host: "127.0.0.1" } },
    { ...target, container: c, podIP: "192.0.2.1" },
    1000,
  );
  assert.equal(r.status, "success");
});

test("grpc: SERVING succeeds, NOT_SERVING and unknown services fail", async () => {
  grpcUserAgents.length = 0;
  assert.deepEqual(await runHandler({ grpc: { port: grpcPort } }, target, 1000), {
    status: "success",
    message: "service healthy",
  });
  assert.match(grpcUserAgents[0] ?? "", /^kube-probe\/1\.34 /);
  assert.deepEqual(await runHandler({ grpc: { port: grpcPort, service: "db" } }, target, 1000), {
    status: "failure",
    message: 'service unhealthy (responded with "NOT_SERVING")',
  });
  const unknown = await runHandler({ grpc: { port: grpcPort, service: "nope" } }, target, 1000);
  assert.equal(unknown.status, "failure");
  assert.match(
    unknown.message,
    /^error: health rpc probe failed: rpc error: code = NOT_FOUND desc = unknown service/,
  );
});

test("grpc: nothing listening fails within the timeout", async () => {
  const closed = await freePort();
  const t0 = performance.now();
  const r = await runHandler({ grpc: { port: closed } }, target, 500);
  const ms = performance.now() - t0;
  assert.equal(r.status, "failure");
  assert.match(r.message, /^timeout: failed to connect service "127\.0\.0\.1:\d+" within 0\.5s/);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test("grpc: a slow health check times out", async () => {
  const t0 = performance.now();
  const r = await runHandler({ grpc: { port: slowGrpcPort } }, target, 500);
  assert.equal(r.status, "failure");
  assert.equal(r.message, "timeout: health rpc did not complete within 0.5s");
  assert.ok(performance.now() - t0 < 1000);
});

test("manager: one gRPC connection per worker across probes, closed when the container is removed", async () => {
  // A TCP relay in front of the gRPC server counts and watches client connections.
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const relay = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    const upstream = net.connect(grpcPort, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const drop = () => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop).on("error", drop);
    upstream.on("close", drop).on("error", drop);
  });
  const relayPort = await new Promise<number>((r) =>
    relay.listen(0, "127.0.0.1", () => r((relay.address() as AddressInfo).port)),
  );
  const events: ProbeEvent[] = [];
  const mgr = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error("unused")) },
    logger: silentLogger(),
    onChange: (ev) => events.push(ev),
    random: () => 0,
  });
  try {
    mgr.addContainer({
      podUid: "u",
      podName: "p",
      podNamespace: "default",
      container: {
        name: "app",
        image: "busybox",
        readinessProbe: { grpc: { port: relayPort }, periodSeconds: 1 },
      },
      containerId: "c1",
      podIP: "127.0.0.1",
      hostNetwork: false,
      startedAtMs: Date.now(),
    });
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(mgr.isReady("c1"), true);
    const id = { podUid: "u", podName: "p", podNamespace: "default", containerName: "app" };
    assert.ok(mgr.probeCount(id, "readiness", "successful") >= 3);
    assert.equal(accepted, 1, "probes reuse one connection");
    mgr.removeContainer("c1");
    const deadline = Date.now() + 2000;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sockets.size, 0, "the channel is closed with its worker");
    assert.deepEqual(
      events.map((e) => [e.kind, e.result]),
      [["readiness", "success"]],
    );
  } finally {
    mgr.stop();
    for (const s of sockets) s.destroy();
    relay.close();
  }
});

test("grpc: aborting a slow health check cancels the call", async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  const p = runHandler({ grpc: { port: slowGrpcPort } }, target, 5000, { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  const r = await p;
  assert.equal(r.status, "failure");
  assert.match(r.message, /CANCELLED/);
  assert.ok(performance.now() - t0 < 1000);
});

test("manager: a reused gRPC channel notices a restarted server within a couple of periods", async () => {
  const handler: grpc.handleUnaryCall<{ service: string }, { status: ServingStatus }> = (_c, cb) =>
    cb(null, { status: "SERVING" });
  const started = await startGrpc(handler);
  let server = started.server;
  const port = started.port;
  const mgr = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error("unused")) },
    logger: silentLogger(),
    onChange: () => {},
  });
  const waitFor = async (want: boolean, ms: number) => {
    const t0 = Date.now();
    while (mgr.isReady("g1") !== want && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
    return Date.now() - t0;
  };
  try {
    mgr.addContainer({
      podUid: "ug",
      podName: "g",
      podNamespace: "default",
      container: {
        name: "app",
        image: "busybox",
        readinessProbe: { grpc: { port }, periodSeconds: 1, failureThreshold: 1 },
      },
      containerId: "g1",
      podIP: "127.0.0.1",
      hostNetwork: false,
      startedAtMs: Date.now(),
    });
    await waitFor(true, 3000);
    assert.equal(mgr.isReady("g1"), true);
    server.forceShutdown();
    await waitFor(false, 4000);
    assert.equal(mgr.isReady("g1"), false, "not ready while the server is down");
    ({ server } = await new Promise<{ server: grpc.Server }>((resolve, reject) => {
      const s = new grpc.Server();
      s.addService(...healthService(handler));
      s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve({ server: s }),
      );
    }));
    const ms = await waitFor(true, 5000);
    assert.equal(mgr.isReady("g1"), true, "ready again after the restart");
    assert.ok(ms < 3500, `took ${ms} ms`);
  } finally {
    mgr.stop();
    server.forceShutdown();
  }
});
