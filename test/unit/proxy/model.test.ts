import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterEndpoints, externalEndpoints } from "../../../proxy/model.ts";
import { ports, svc } from "./fixtures.ts";

describe("buildServicePorts", () => {
  it("uses ready endpoints, or serving terminating ones when none is ready", () => {
    const [sp] = ports(svc("a"), ["10.1.0.1", { ip: "10.1.0.2", ready: false }]);
    assert.deepEqual(
      clusterEndpoints(sp!).map((e) => e.ip),
      ["10.1.0.1"],
    );
    const [term] = ports(svc("a"), [
      { ip: "10.1.0.3", ready: false, serving: true, terminating: true },
      { ip: "10.1.0.4", ready: false, serving: false, terminating: true },
    ]);
    assert.deepEqual(
      clusterEndpoints(term!).map((e) => e.ip),
      ["10.1.0.3"],
    );
  });

  it("applies Local traffic policies per kind of traffic", () => {
    const s = svc("a", {
      type: "NodePort",
      internalTrafficPolicy: "Local",
      externalTrafficPolicy: "Cluster",
      ports: [{ port: 80, nodePort: 30001 }],
    });
    const [sp] = ports(s, ["10.1.0.1", { ip: "10.1.0.2", node: "elsewhere" }]);
    assert.deepEqual(
      clusterEndpoints(sp!).map((e) => e.ip),
      ["10.1.0.1"],
    );
    assert.equal(externalEndpoints(sp!).length, 2);
    assert.equal(sp!.nodePort, 30001);
  });

  it("collects externalIPs, LB ingress IPs and affinity, and ignores headless and ExternalName", () => {
    const s = svc(
      "lb",
      {
        type: "LoadBalancer",
        externalIPs: ["192.0.2.1"],
        sessionAffinity: "ClientIP",
        ports: [{ port: 80, nodePort: 30002 }],
      },
      { loadBalancer: { ingress: [{ ip: "198.51.100.7" }, { hostname: "lb.example" }] } },
    );
    const [sp] = ports(s, ["10.1.0.1"]);
    assert.deepEqual(sp!.externalIPs, ["192.0.2.1"]);
    assert.deepEqual(sp!.loadBalancerIPs, ["198.51.100.7"]);
    assert.equal(sp!.affinitySeconds, 10800);
    assert.deepEqual(ports(svc("h", { clusterIP: "None" })), []);
    assert.deepEqual(ports(svc("e", { type: "ExternalName", externalName: "x.example" })), []);
  });
});
