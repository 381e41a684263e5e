import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ServiceAllocator } from "../../../proxy/allocate.ts";
import { validateService } from "../../../proxy/validate.ts";

const ok = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "prod" },
  spec: {
    type: "NodePort",
    selector: { app: "web" },
    ports: [{ name: "http", port: 80, targetPort: "http" }],
  },
};

describe("validateService", () => {
  it("accepts a well-formed Service", () => {
    const r = validateService(ok);
    assert.deepEqual(r.errors, []);
    assert.equal(r.service?.metadata.name, "web");
  });

  it("reports each problem with its field path", () => {
    const r = validateService({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "Bad_Name" },
      spec: {
        type: "Weird",
        clusterIP: "10.96.0.300",
        ports: [
          { name: "a", port: 70000, protocol: "ICMP" },
          { name: "a", port: 80, targetPort: "x".repeat(20) },
        ],
        externalIPs: ["nope"],
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
        externalTrafficPolicy: "Somewhere",
      },
    });
    const paths = r.errors.map((e) => e.path);
    for (const p of [
      "metadata.name",
      "spec.type",
      "spec.clusterIP",
      "spec.ports[0].port",
      "spec.ports[0].protocol",
      "spec.ports[1].name",
      "spec.ports[1].targetPort",
      "spec.externalIPs[0]",
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
      "spec.externalTrafficPolicy",
    ]) {
      assert.ok(paths.includes(p), `missing ${p} in ${JSON.stringify(paths)}`);
    }
    assert.equal(r.service, undefined);
  });

  it("requires names when a Service has several ports, and ports unless headless", () => {
    const r = validateService({ metadata: { name: "x" }, spec: { ports: [{ port: 1 }, { port: 2 }] } });
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ["spec.ports[0].name", "spec.ports[1].name"],
    );
    assert.deepEqual(validateService({ metadata: { name: "x" }, spec: {} }).errors[0]?.path, "spec.ports");
    assert.deepEqual(validateService({ metadata: { name: "x" }, spec: { clusterIP: "None" } }).errors, []);
  });
});

describe("ServiceAllocator", () => {
  const make = () => new ServiceAllocator({ serviceCIDR: "10.96.0.0/12" });

  it("allocates the same clusterIP and nodePort for the same Service on every run", () => {
    const a = make().assign(validateService(ok).service!);
    const b = make().assign(validateService(ok).service!);
    assert.deepEqual(a.errors, []);
    assert.equal(a.service!.spec.clusterIP, b.service!.spec.clusterIP);
    assert.match(a.service!.spec.clusterIP!, /^10\.(9[6-9]|10[0-9]|11[01])\./);
    const np = a.service!.spec.ports![0]!.nodePort!;
    assert.ok(np >= 30000 && np <= 32767);
    assert.equal(np, b.service!.spec.ports![0]!.nodePort);
  });

  it("keeps an allocation across updates and probes past collisions", () => {
    const alloc = make();
    const first = alloc.assign(validateService(ok).service!).service!;
    const again = alloc.assign(validateService(ok).service!).service!;
    assert.equal(again.spec.clusterIP, first.spec.clusterIP);
    const taker = {
      metadata: { name: "t", namespace: "x" },
      spec: { clusterIP: "10.96.5.5", ports: [{ port: 1 }] },
    };
    assert.deepEqual(alloc.assign(taker).errors, []);
    const clash = alloc.assign({ ...taker, metadata: { name: "u", namespace: "x" } });
    assert.match(clash.errors[0]!.message, /already used by x\/t/);
  });

  it("rejects a clusterIP outside the service range and a taken nodePort", () => {
    const alloc = make();
    const out = alloc.assign({
      metadata: { name: "o" },
      spec: { clusterIP: "192.168.1.1", ports: [{ port: 1 }] },
    });
    assert.equal(out.errors[0]!.path, "spec.clusterIP");
    const np = (name: string) => ({
      metadata: { name },
      spec: { type: "NodePort" as const, ports: [{ port: 1, nodePort: 30001 }] },
    });
    assert.deepEqual(alloc.assign(np("a")).errors, []);
    assert.equal(alloc.assign(np("b")).errors[0]!.path, "spec.ports[0].nodePort");
    alloc.release("default/a");
    assert.deepEqual(alloc.assign(np("b")).errors, []);
  });
});
