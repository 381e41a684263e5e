import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staleUdpFlows } from "../../../proxy/conntrack.ts";
import { ports, svc } from "./fixtures.ts";

describe("staleUdpFlows", () => {
  const udp = svc("dns", {
    type: "NodePort",
    externalIPs: ["192.0.2.1"],
    ports: [{ port: 53, protocol: "UDP", nodePort: 30053 }],
  });

  it("deletes flows NATed to a removed endpoint on every frontend", () => {
    const before = ports(udp, ["10.1.0.1", "10.1.0.2"], 53);
    const after = ports(udp, ["10.1.0.2"], 53);
    assert.deepEqual(
      staleUdpFlows(before, after).map((d) => d.args.join(" ")),
      [
        "-p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --dst-nat 10.1.0.1",
        "-p udp --orig-dst 192.0.2.1 --orig-port-dst 53 --dst-nat 10.1.0.1",
        "-p udp --orig-port-dst 30053 --dst-nat 10.1.0.1",
      ],
    );
  });

  it("clears a frontend's flows when it gets its first endpoint, and ignores TCP", () => {
    const flows = staleUdpFlows(ports(udp, [], 53), ports(udp, ["10.1.0.1"], 53)).map((d) =>
      d.args.join(" "),
    );
    assert.ok(flows.includes("-p udp --orig-dst 10.96.0.10 --orig-port-dst 53"));
    assert.deepEqual(staleUdpFlows(ports(svc("t"), ["10.1.0.1"]), ports(svc("t"), [])), []);
  });
});
