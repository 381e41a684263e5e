// IPVS is not available in this kernel: the rendered inputs are checked byte-exactly against golden
// files (UPDATE_GOLDEN=1 rewrites them) and semantically.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { CommandRunner } from "../../../proxy/exec.ts";
import { checkIpvsSupport } from "../../../proxy/ipvs/proxier.ts";
import {
  ipvsState,
  renderAddresses,
  renderIpset,
  renderIpvsadm,
  renderIpvsIptables,
} from "../../../proxy/ipvs/render.ts";
import { ports, svc } from "./fixtures.ts";

const golden = (name: string, actual: string) => {
  const file = fileURLToPath(new URL(`golden/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, "utf8"), `golden file ${name}`);
};

const cfg = { scheduler: "rr", nodeIPs: ["192.168.1.10"], clusterCIDR: "10.244.0.0/16" };
const web = svc("web", {
  type: "NodePort",
  externalIPs: ["192.0.2.1"],
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
});
const dns = svc("dns", {
  clusterIP: "10.96.0.53",
  sessionAffinity: "ClientIP",
  ports: [{ port: 53, protocol: "UDP", targetPort: 53 }],
});
const before = ipvsState([ports(web, ["10.1.0.1", "10.1.0.2"]), ports(dns, ["10.1.0.9"], 53)], cfg);
const after = ipvsState([ports(web, ["10.1.0.2", "10.1.0.3"])], cfg);

describe("ipvs rendering", () => {
  it("renders virtual servers for every frontend (golden)", () => {
    const text = renderIpvsadm(null, before);
    golden("ipvs-full.ipvsadm", text);
    assert.match(text, /^-A -t 10\.96\.0\.10:80 -s rr$/m);
    assert.match(text, /^-A -t 192\.168\.1\.10:30080 -s rr$/m);
    assert.match(text, /^-A -u 10\.96\.0\.53:53 -s rr -p 10800$/m);
    assert.match(text, /^-a -t 10\.96\.0\.10:80 -r 10\.1\.0\.2:8080 -m -w 1$/m);
  });

  it("renders deltas without touching unchanged servers (golden)", () => {
    const text = renderIpvsadm(before, after);
    golden("ipvs-delta.ipvsadm", text);
    assert.match(text, /^-D -u 10\.96\.0\.53:53$/m);
    assert.match(text, /^-d -t 10\.96\.0\.10:80 -r 10\.1\.0\.1:8080$/m);
    assert.doesNotMatch(text, /-[aA] -t 10\.96\.0\.10:80 -r 10\.1\.0\.2/);
  });

  it("renders ipsets, kube-ipvs0 addresses and the masquerade rules (golden)", () => {
    golden("ipvs-full.ipset", renderIpset(null, before));
    golden("ipvs-delta.ipset", renderIpset(before, after));
    golden("ipvs-full.addresses", renderAddresses(null, before));
    golden("ipvs.iptables", renderIpvsIptables(cfg));
    assert.match(renderIpset(null, before), /^add KUBE-LOOP-BACK 10\.1\.0\.1,tcp:8080,10\.1\.0\.1 -exist$/m);
    assert.match(renderAddresses(before, after), /^addr del 10\.96\.0\.53\/32 dev kube-ipvs0$/m);
  });

  it("refuses to start with a clear message when the kernel has no ip_vs", async () => {
    const runner: CommandRunner = {
      run: async (argv) =>
        argv[0] === "modprobe"
          ? { code: 1, stdout: "", stderr: "modprobe: FATAL: Module ip_vs not found" }
          : { code: 1, stdout: "", stderr: "No such file" },
    };
    await assert.rejects(
      checkIpvsSupport(runner),
      /needs the ip_vs kernel module.*Module ip_vs not found.*nftables or iptables/,
    );
  });
});
