// Where container logs live, as the kubelet lays them out (so `kubectl logs`, log shippers and
// `crictl logs` find them): /var/log/pods/<ns>_<pod>_<uid>/<container>/<restartCount>.log, and a
// symlink per container in /var/log/containers.
import { join } from "node:path";

export const DEFAULT_POD_LOGS_ROOT = "/var/log/pods";
export const DEFAULT_CONTAINER_LOGS_DIR = "/var/log/containers";

/** The sandbox's CRI log_directory: `<logsRoot>/<ns>_<name>_<uid>`. */
export function podLogDir(logsRoot: string, namespace: string, podName: string, podUid: string): string {
  return join(logsRoot, `${namespace}_${podName}_${podUid}`);
}

/** CRI ContainerConfig.log_path, relative to the sandbox's log directory: `<container>/<restartCount>.log`. */
export function containerLogRelPath(containerName: string, restartCount: number): string {
  return `${containerName}/${restartCount}.log`;
}

/** Absolute path of one container instance's log file. */
export function containerLogPath(
  podLogDirectory: string,
  containerName: string,
  restartCount: number,
): string {
  return join(podLogDirectory, containerLogRelPath(containerName, restartCount));
}

export interface ContainerLogLinkId {
  podName: string;
  namespace: string;
  containerName: string;
  containerId: string;
}

/** `<pod>_<ns>_<container>-<containerId>.log`, the file name in /var/log/containers. */
export function containerLogLinkName(id: ContainerLogLinkId): string {
  return `${id.podName}_${id.namespace}_${id.containerName}-${id.containerId}.log`;
}

// Pod names, namespaces and container names are DNS labels/subdomains: no "_"; container IDs
// have no "-". So the name splits unambiguously.
const LINK_NAME = /^([^_]+)_([^_]+)_(.+)-([^-]+)\.log$/;

/** Inverse of containerLogLinkName; undefined for any other file name. */
export function parseContainerLogLinkName(fileName: string): ContainerLogLinkId | undefined {
  const m = LINK_NAME.exec(fileName);
  if (m === null) return undefined;
  return { podName: m[1]!, namespace: m[2]!, containerName: m[3]!, containerId: m[4]! };
}
