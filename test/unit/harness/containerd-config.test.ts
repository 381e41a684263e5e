import assert from "node:assert/strict";
import { test } from "node:test";
import {
  containerdLayout,
  renderCniConflist,
  renderContainerdConfig,
} from "../../harness/containerd-config.ts";

const layout = containerdLayout("/tmp/ctd-x");

test("config keeps every path of the instance below its dir and sets the settings that matter", () => {
  const toml = renderContainerdConfig(layout);
  assert.match(toml, /^version = 2$/m);
  assert.match(toml, /^root = "\/tmp\/ctd-x\/root"$/m);
  assert.match(toml, /^state = "\/tmp\/ctd-x\/state"$/m);
  assert.match(toml, /address = "\/tmp\/ctd-x\/containerd.sock"/);
  assert.match(toml, /address = "\/tmp\/ctd-x\/containerd.ttrpc.sock"/);
  assert.match(toml, /path = "\/tmp\/ctd-x\/opt"/);
  assert.match(toml, /Root = "\/tmp\/ctd-x\/runc"/);
  assert.match(toml, /conf_dir = "\/tmp\/ctd-x\/cni\/net.d"/);
  for (const setting of [
    "restrict_oom_score_adj = true",
    "netns_mounts_under_state_dir = true",
    "disable_apparmor = true",
    "SystemdCgroup = false",
    'sandbox_image = "registry.k8s.io/pause:3.9"',
    'stream_server_port = "0"',
    "max_conf_num = 1",
  ]) {
    assert.ok(toml.includes(setting), setting);
  }
});

test("CNI conflist: bridge with masquerade and hairpin, host-local IPAM in the instance dir, portmap", () => {
  const conf = JSON.parse(renderCniConflist(layout, "10.99.0.0/24"));
  assert.deepEqual(
    conf.plugins.map((p: { type: string }) => p.type),
    ["bridge", "portmap"],
  );
  const bridge = conf.plugins[0];
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
  assert.equal(bridge.hairpinMode, true);
  assert.equal(bridge.ipam.type, "host-local");
  assert.equal(bridge.ipam.dataDir, "/tmp/ctd-x/cni/ipam");
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: "10.99.0.0/24" }]]);
  assert.deepEqual(conf.plugins[1].capabilities, { portMappings: true });
});
