import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { admitService } from "../../../proxy/api-admit.ts";
import { svc } from "./fixtures.ts";

describe("admitService (Services from the API)", () => {
  it("programs a Service as the API server returns it (defaulted fields included)", () => {
    const s = svc("web", {
      clusterIPs: ["10.96.0.10"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      type: "ClusterIP",
    });
    const a = admitService(s);
    assert.equal(a.kind, "program");
    assert.equal(a.kind === "program" && a.service.spec.clusterIP, "10.96.0.10");
  });

  it("sees a dual-stack Service through its IPv4 addresses", () => {
    const a = admitService(
      svc(
        "dual",
        {
          clusterIP: "fd00::10",
          clusterIPs: ["fd00::10", "10.96.0.20"],
          externalIPs: ["2001:db8::1", "192.168.5.5"],
          type: "LoadBalancer",
          ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
        },
        {
          loadBalancer: {
            ingress: [{ ip: "2001:db8::2" }, { ip: "192.168.6.6" }, { hostname: "lb.example" }],
          },
        },
      ),
    );
    assert.equal(a.kind, "program");
    if (a.kind !== "program") return;
    assert.equal(a.service.spec.clusterIP, "10.96.0.20");
    assert.deepEqual(a.service.spec.externalIPs, ["192.168.5.5"]);
    assert.deepEqual(a.service.status?.loadBalancer?.ingress, [
      { ip: "192.168.6.6" },
      { hostname: "lb.example" },
    ]);
  });

  it("leaves an IPv6-only Service alone without calling it invalid", () => {
    const a = admitService(svc("v6", { clusterIP: "fd00::10", clusterIPs: ["fd00::10"] }));
    assert.equal(a.kind, "ignore");
  });

  it("keeps headless and ExternalName Services (they get no rules, but are no error)", () => {
    assert.equal(admitService(svc("h", { clusterIP: "None", ports: [] })).kind, "program");
    assert.equal(
      admitService(svc("x", { type: "ExternalName", externalName: "db.example", clusterIP: "", ports: [] }))
        .kind,
      "program",
    );
  });

  it("reports what this proxy cannot handle with field paths", () => {
    const a = admitService(svc("bad", { ports: [{ port: 80, protocol: "ICMP" as "TCP" }] }));
    assert.equal(a.kind, "invalid");
    assert.deepEqual(a.kind === "invalid" && a.errors.map((e) => e.path), ["spec.ports[0].protocol"]);
  });
});
