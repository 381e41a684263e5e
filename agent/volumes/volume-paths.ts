// The kubelet's on-disk layout for pod volumes:
//   <rootDir>/pods/<uid>/volumes/<escaped plugin name>/<volume name>
//   <rootDir>/pods/<uid>/etc-hosts
//   <rootDir>/pods/<uid>/containers/<container>/<termination log file>
import { join } from "node:path";

export const DEFAULT_ROOT_DIR = "/var/lib/kubelet";
export const EMPTY_DIR_PLUGIN = "kubernetes.io/empty-dir";
export const HOST_PATH_PLUGIN = "kubernetes.io/host-path";
export const CONFIG_MAP_PLUGIN = "kubernetes.io/configmap";
export const SECRET_PLUGIN = "kubernetes.io/secret";
export const DOWNWARD_API_PLUGIN = "kubernetes.io/downward-api";
export const PROJECTED_PLUGIN = "kubernetes.io/projected";

export function podsDir(rootDir: string): string {
  return join(rootDir, "pods");
}

export function podDir(rootDir: string, podUid: string): string {
  if (podUid === "" || podUid.includes("/") || podUid === "." || podUid === "..") {
    throw new Error(`invalid pod UID ${JSON.stringify(podUid)}`);
  }
  return join(podsDir(rootDir), podUid);
}

/** "kubernetes.io/empty-dir" → "kubernetes.io~empty-dir", as the kubelet names plugin directories. */
export function escapePluginName(plugin: string): string {
  return plugin.replaceAll("/", "~");
}

export function volumeDir(podDirectory: string, plugin: string, volumeName: string): string {
  return join(podDirectory, "volumes", escapePluginName(plugin), volumeName);
}

export function etcHostsPath(podDirectory: string): string {
  return join(podDirectory, "etc-hosts");
}

export function containerDir(podDirectory: string, containerName: string): string {
  return join(podDirectory, "containers", containerName);
}
