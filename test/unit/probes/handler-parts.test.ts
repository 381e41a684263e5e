import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container } from "../../../agent/api/pod.ts";
import { expandStatic } from "../../../probes/handlers/expand.ts";
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
} from "../../../probes/handlers/grpc-health-codec.ts";
import { probeHeaders, probeUrl } from "../../../probes/handlers/http.ts";
import { resolveHost, resolvePort } from "../../../probes/handlers/target.ts";

const container: Container = {
  name: "web",
  image: "busybox",
  ports: [
    { name: "http", containerPort: 8080 },
    { name: "metrics", containerPort: 9090 },
  ],
  env: [
    { name: "PORT", value: "8080" },
    { name: "FROM_FIELD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ],
};
const target = { container, containerId: "c1", podIP: "10.1.2.3", hostNetwork: false };

test("named ports come from container.ports; numeric strings are accepted", () => {
  assert.equal(resolvePort("http", container), 8080);
  assert.equal(resolvePort(9000, container), 9000);
  assert.equal(resolvePort("9001", container), 9001);
  assert.throws(() => resolvePort("nope", container), /port nope not found/);
  assert.throws(() => resolvePort(0, container), /invalid port number: 0/);
});

test("host: action host, else pod IP, else the node for host-network pods", () => {
  assert.equal(resolveHost("example.local", target), "example.local");
  assert.equal(resolveHost(undefined, target), "10.1.2.3");
  assert.equal(resolveHost(undefined, { ...target, podIP: undefined, hostNetwork: true }), "127.0.0.1");
  assert.throws(() => resolveHost(undefined, { ...target, podIP: undefined }), /no IP/);
});

test("probe URL: lower-case scheme, host:port, path with query", () => {
  assert.equal(
    probeUrl({ port: "http", path: "/healthz?x=1" }, target).href,
    "http://10.1.2.3:8080/healthz?x=1",
  );
  assert.equal(probeUrl({ port: 443, scheme: "HTTPS" }, target).href, "https://10.1.2.3/");
  assert.equal(probeUrl({ port: 80, path: "ready" }, target).href, "http://10.1.2.3/ready");
  assert.equal(probeUrl({ port: 81, host: "::1" }, target).href, "http://[::1]:81/");
});

test("headers: defaults, canonical names, Host override, empty Accept removes it", () => {
  const a = probeHeaders({ port: 80 }, "kube-probe/1.34");
  assert.deepEqual(a, { headers: { "User-Agent": ["kube-probe/1.34"], Accept: ["*/*"] }, host: undefined });
  const b = probeHeaders(
    {
      port: 80,
      httpHeaders: [
        { name: "x-custom", value: "1" },
        { name: "X-Custom", value: "2" },
        { name: "host", value: "svc.example" },
        { name: "user-agent", value: "mine" },
        { name: "Accept", value: "" },
      ],
    },
    "kube-probe/1.34",
  );
  assert.deepEqual(b, { headers: { "X-Custom": ["1", "2"], "User-Agent": ["mine"] }, host: "svc.example" });
});

test("exec commands expand $(VAR) from literal env values only", () => {
  assert.deepEqual(
    expandStatic(["sh", "-c", "wget -q localhost:$(PORT) $(FROM_FIELD) $$(PORT) $(NOPE"], container),
    ["sh", "-c", "wget -q localhost:8080 $(FROM_FIELD) $(PORT) $(NOPE"],
  );
});

test("grpc health codec round-trips", () => {
  assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: "my.Svc" })), {
    service: "my.Svc",
  });
  assert.equal(encodeHealthCheckRequest({ service: "" }).length, 0);
  assert.deepEqual(decodeHealthCheckRequest(Buffer.alloc(0)), { service: "" });
  for (const status of ["SERVING", "NOT_SERVING", "SERVICE_UNKNOWN", "UNKNOWN"] as const) {
    assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status })), { status });
  }
  // Known wire bytes: field 1 varint 1.
  assert.deepEqual(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), { status: "SERVING" });
  assert.deepEqual(encodeHealthCheckRequest({ service: "a" }), Buffer.from([0x0a, 0x01, 0x61]));
});
