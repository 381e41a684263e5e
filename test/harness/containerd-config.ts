// Pure rendering of an isolated containerd's files: config.toml (version 2) and the CNI
// conflist. See /work/shared/RUNTIME-NOTES.md for why each CRI setting is there.
import { join } from "node:path";
import { PAUSE_IMAGE } from "./images.ts";

/** Every path an isolated containerd instance uses, all below one directory. */
export interface ContainerdLayout {
  dir: string;
  configPath: string;
  socketPath: string;
  ttrpcPath: string;
  root: string;
  state: string;
  optDir: string;
  runcRoot: string;
  cniConfDir: string;
  cniIpamDir: string;
  logPath: string;
  statePath: string;
}

export function containerdLayout(dir: string): ContainerdLayout {
  return {
    dir,
    configPath: join(dir, "config.toml"),
    socketPath: join(dir, "containerd.sock"),
    ttrpcPath: join(dir, "containerd.ttrpc.sock"),
    root: join(dir, "root"),
    state: join(dir, "state"),
    optDir: join(dir, "opt"),
    runcRoot: join(dir, "runc"),
    cniConfDir: join(dir, "cni", "net.d"),
    cniIpamDir: join(dir, "cni", "ipam"),
    logPath: join(dir, "containerd.log"),
    statePath: join(dir, "handle.json"),
  };
}

/** Plugins that only cost startup time here. */
export const DISABLED_PLUGINS: readonly string[] = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
];

export const CNI_BIN_DIR = "/usr/lib/cni";
export const CNI_BRIDGE = "nl0";
export const DEFAULT_POD_SUBNET = "10.244.0.0/24";

const q = (s: string): string => JSON.stringify(s);

export function renderContainerdConfig(layout: ContainerdLayout, sandboxImage = PAUSE_IMAGE): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `version = 2
root = ${q(layout.root)}
state = ${q(layout.state)}
disabled_plugins = [${DISABLED_PLUGINS.map(q).join(", ")}]

[grpc]
  address = ${q(layout.socketPath)}

[ttrpc]
  address = ${q(layout.ttrpcPath)}

[debug]
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(layout.optDir)}

[${cri}]
  sandbox_image = ${q(sandboxImage)}
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = ${q(layout.runcRoot)}

[${cri}.cni]
  bin_dir = ${q(CNI_BIN_DIR)}
  conf_dir = ${q(layout.cniConfDir)}
  max_conf_num = 1
`;
}

export function renderCniConflist(layout: ContainerdLayout, subnet = DEFAULT_POD_SUBNET): string {
  const conflist = {
    cniVersion: "1.0.0",
    name: "nodelet-test",
    plugins: [
      {
        type: "bridge",
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: layout.cniIpamDir,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(conflist, null, 2) + "\n";
}
