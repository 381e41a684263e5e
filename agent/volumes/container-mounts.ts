// A container's CRI mounts from its volumeMounts (subPath, readOnly, propagation), plus the
// kubelet-managed /etc/hosts and the termination-log file.
import { chmod, lstat, mkdir, realpath, stat } from "node:fs/promises";
import { join, normalize, relative, sep } from "node:path";
import type { Mount } from "../../cri/runtime.ts";
import type { Container, VolumeMount } from "../api/pod.ts";
import type { PreparedVolume } from "./volume-plugin.ts";
import { etcHostsPath } from "./volume-paths.ts";

export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

export interface ContainerMountOptions {
  /** Mount `<podDir>/etc-hosts` at /etc/hosts (pods not on the host network, with an IP). */
  etcHosts?: boolean;
  /** Host file to mount at the container's terminationMessagePath (see termination-log.ts). */
  terminationLogHostPath?: string;
}

/** Pure: subPath must be a relative path that stays inside the volume. Returns it cleaned, or throws. */
export function validateSubPath(subPath: string): string {
  if (subPath.startsWith("/")) throw new Error(`subPath ${JSON.stringify(subPath)} must be a relative path`);
  if (subPath.split("/").includes(".."))
    throw new Error(`subPath ${JSON.stringify(subPath)} must not contain ".."`);
  const cleaned = normalize(subPath).replace(/\/+$/, "");
  return cleaned === "." ? "" : cleaned;
}

function propagation(container: Container, m: VolumeMount): Mount["propagation"] {
  switch (m.mountPropagation ?? "None") {
    case "None":
      return "private";
    case "HostToContainer":
      return "host-to-container";
    case "Bidirectional":
      if (container.securityContext?.privileged !== true) {
        throw new Error(
          `volumeMount ${JSON.stringify(m.name)}: Bidirectional mount propagation is available only to privileged containers`,
        );
      }
      return "bidirectional";
    default:
      throw new Error(
        `volumeMount ${JSON.stringify(m.name)}: invalid mountPropagation ${JSON.stringify(m.mountPropagation)}`,
      );
  }
}

/** Pure: the CRI mounts of one container. Throws with the container and mount named. */
export function containerMounts(
  container: Container,
  volumes: ReadonlyMap<string, PreparedVolume>,
  podDir: string,
  opts: ContainerMountOptions = {},
): Mount[] {
  const mounts: Mount[] = [];
  const where = `container ${JSON.stringify(container.name)}`;
  for (const m of container.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (volume === undefined)
      throw new Error(`${where}: cannot find volume ${JSON.stringify(m.name)} to mount`);
    let hostPath = volume.hostPath;
    try {
      if (m.subPath !== undefined && m.subPath !== "") {
        const sub = validateSubPath(m.subPath);
        if (sub !== "") hostPath = join(volume.hostPath, sub);
      }
      mounts.push({
        containerPath: m.mountPath,
        hostPath,
        readonly: m.readOnly === true || volume.readOnly,
        propagation: propagation(container, m),
      });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  }
  const taken = new Set(mounts.map((m) => m.containerPath.replace(/\/+$/, "")));
  if (opts.etcHosts && !taken.has("/etc/hosts")) {
    mounts.push({
      containerPath: "/etc/hosts",
      hostPath: etcHostsPath(podDir),
      readonly: false,
      propagation: "private",
    });
  }
  const messagePath = container.terminationMessagePath || DEFAULT_TERMINATION_MESSAGE_PATH;
  if (opts.terminationLogHostPath !== undefined && !taken.has(messagePath)) {
    mounts.push({
      containerPath: messagePath,
      hostPath: opts.terminationLogHostPath,
      readonly: false,
      propagation: "private",
    });
  }
  return mounts;
}

/**
 * Creates the subPath directories a container mounts that do not exist yet (with the mode of the
 * volume's root, as upstream), and refuses subPaths that leave their volume through a symlink.
 * Call before containerMounts' result is handed to the runtime.
 */
export async function ensureSubPaths(
  container: Container,
  volumes: ReadonlyMap<string, PreparedVolume>,
): Promise<void> {
  for (const m of container.volumeMounts ?? []) {
    if (m.subPath === undefined || m.subPath === "") continue;
    const volume = volumes.get(m.name);
    if (volume === undefined) continue; // containerMounts reports it
    const where = `container ${JSON.stringify(container.name)}, volumeMount ${JSON.stringify(m.name)}`;
    const sub = validateSubPath(m.subPath);
    if (sub === "") continue;
    const root = await realpath(volume.hostPath);
    const target = join(volume.hostPath, sub);
    const exists = await lstat(target).then(
      () => true,
      () => false,
    );
    if (!exists) {
      const mode = (await stat(root)).mode & 0o7777;
      const first = await mkdir(target, { recursive: true, mode });
      // mkdir's mode is subject to the umask: set it on every directory just created.
      if (first !== undefined) {
        const parts = relative(first, target)
          .split(sep)
          .filter((p) => p !== "");
        let dir = first;
        await chmod(dir, mode);
        for (const part of parts) {
          dir = join(dir, part);
          await chmod(dir, mode);
        }
      }
    }
    const resolved = await realpath(target);
    const rel = relative(root, resolved);
    if (rel === ".." || rel.startsWith(`..${sep}`) || rel.startsWith("/")) {
      throw new Error(
        `${where}: subPath ${JSON.stringify(m.subPath)} resolves to ${resolved}, outside the volume`,
      );
    }
  }
}
