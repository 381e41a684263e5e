import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { deriveEndpointSlices } from "../../../proxy/endpoints.ts";
import { svc } from "./fixtures.ts";

function pod(name: string, labels: Record<string, string>, ip: string, httpPort = 8080): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels },
    spec: { containers: [{ name: "c", image: "i", ports: [{ name: "http", containerPort: httpPort }] }] },
    status: { phase: "Running", podIP: ip },
  };
}

describe("deriveEndpointSlices", () => {
  const service = svc("web", {
    selector: { app: "web" },
    ports: [{ name: "h", port: 80, targetPort: "http" }],
  });

  it("selects pods by label, resolves named ports and sets conditions", () => {
    const slices = deriveEndpointSlices(
      service,
      [
        { pod: pod("a", { app: "web" }, "10.1.0.1"), ready: true, nodeName: "n1" },
        { pod: pod("b", { app: "web" }, "10.1.0.2"), ready: false, nodeName: "n1" },
        { pod: pod("c", { app: "web" }, "10.1.0.3"), ready: true, terminating: true, nodeName: "n1" },
        { pod: pod("d", { app: "db" }, "10.1.0.4"), ready: true, nodeName: "n1" },
        { pod: pod("e", { app: "web" }, ""), ready: true, nodeName: "n1" },
      ],
      "n1",
    );
    assert.equal(slices.length, 1);
    const s = slices[0]!;
    assert.equal(s.metadata.labels?.["kubernetes.io/service-name"], "web");
    assert.deepEqual(s.ports, [{ name: "h", protocol: "TCP", port: 8080 }]);
    assert.deepEqual(
      s.endpoints.map((e) => [e.addresses[0], e.conditions]),
      [
        ["10.1.0.1", { ready: true, serving: true, terminating: false }],
        ["10.1.0.2", { ready: false, serving: false, terminating: false }],
        ["10.1.0.3", { ready: false, serving: true, terminating: true }],
      ],
    );
    assert.equal(s.endpoints[0]!.targetRef?.name, "a");
  });

  it("groups pods whose named port resolves differently into separate slices", () => {
    const slices = deriveEndpointSlices(
      service,
      [
        { pod: pod("a", { app: "web" }, "10.1.0.1", 8080), ready: true, nodeName: "n1" },
        { pod: pod("b", { app: "web" }, "10.1.0.2", 9090), ready: true, nodeName: "n1" },
      ],
      "n1",
    );
    assert.deepEqual(
      slices.map((s) => [s.ports?.[0]?.port, s.endpoints.map((e) => e.addresses[0])]),
      [
        [8080, ["10.1.0.1"]],
        [9090, ["10.1.0.2"]],
      ],
    );
  });

  it("gives nothing for Services without selector, ExternalName, or other namespaces", () => {
    const p = [{ pod: pod("a", { app: "web" }, "10.1.0.1"), ready: true, nodeName: "n1" }];
    assert.deepEqual(deriveEndpointSlices(svc("x", {}), p, "n1"), []);
    assert.deepEqual(
      deriveEndpointSlices(svc("x", { type: "ExternalName", selector: { app: "web" } }), p, "n1"),
      [],
    );
    const other = { ...service, metadata: { name: "web", namespace: "other" } };
    assert.deepEqual(deriveEndpointSlices(other, p, "n1"), []);
  });

  it("publishes not-ready pods as ready when publishNotReadyAddresses is set", () => {
    const s = svc("web", { selector: { app: "web" }, publishNotReadyAddresses: true });
    const [sl] = deriveEndpointSlices(
      s,
      [{ pod: pod("a", { app: "web" }, "10.1.0.1"), ready: false, nodeName: "n" }],
      "n",
    );
    assert.equal(sl!.endpoints[0]!.conditions?.ready, true);
  });
});
