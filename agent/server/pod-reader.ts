// Read access to pods and their logs, shared by every server that exposes them (the local control
// socket and the authenticated kubelet API on :10250).
import { access } from "node:fs/promises";
import type { ContainerStatus, Pod, PodStatus } from "../api/pod.ts";
import type { PodView } from "../kubelet.ts";
import { containerLogPath, podLogDir } from "../logs/log-paths.ts";

export interface PodSource {
  pods(): PodView[];
}

/** The init containers' statuses, then the others'. */
export function allContainerStatuses(status: PodStatus | undefined): ContainerStatus[] {
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
}

/** The runtime's own id in a status's containerID ("containerd://<id>" → "<id>"). */
export function runtimeContainerId(status: ContainerStatus | undefined): string | undefined {
  return status?.containerID?.replace(/^[a-z0-9.+-]*:\/\//, "") || undefined;
}

export function podList(source: PodSource): { apiVersion: "v1"; kind: "PodList"; items: Pod[] } {
  const items = source
    .pods()
    .map(({ pod, status }) => ({ ...pod, apiVersion: "v1", kind: "Pod", status }))
    .sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
  return { apiVersion: "v1", kind: "PodList", items };
}

/** The pods with running containers, as the kubelet's /runningpods shows them: names and images only. */
export function runningPodList(source: PodSource): { apiVersion: "v1"; kind: "PodList"; items: Pod[] } {
  const items: Pod[] = [];
  for (const p of podList(source).items) {
    const running = allContainerStatuses(p.status).filter((c) => c.state.running !== undefined);
    if (running.length === 0) continue;
    const { name, namespace, uid } = p.metadata;
    items.push({
      metadata: { name, namespace: namespace ?? "default", ...(uid ? { uid } : {}) },
      spec: { containers: running.map((c) => ({ name: c.name, image: c.image })) },
    } as Pod);
  }
  return { apiVersion: "v1", kind: "PodList", items };
}

export function findPod(source: PodSource, namespace: string, name: string): PodView | undefined {
  return source
    .pods()
    .find((v) => v.pod.metadata.name === name && (v.pod.metadata.namespace ?? "default") === namespace);
}

export class LookupError extends Error {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

export interface ContainerLogTarget {
  path: string;
  running: () => boolean;
}

/** Finds the log file of a pod's container (the current instance, or the previous one). */
export async function containerLogTarget(
  source: PodSource,
  podLogsDir: string,
  namespace: string,
  name: string,
  container: string | undefined,
  previous: boolean,
): Promise<ContainerLogTarget> {
  const view = findPod(source, namespace, name);
  if (!view) throw new LookupError(404, `pods "${name}" not found`);
  const all = [...(view.pod.spec.initContainers ?? []), ...view.pod.spec.containers];
  let containerName = container;
  if (!containerName) {
    if (view.pod.spec.containers.length !== 1) {
      throw new LookupError(
        400,
        `a container name must be specified for pod ${name}, choose one of: [${view.pod.spec.containers.map((c) => c.name).join(" ")}]`,
      );
    }
    containerName = view.pod.spec.containers[0]!.name;
  }
  if (!all.some((c) => c.name === containerName)) {
    throw new LookupError(400, `container ${containerName} is not valid for pod ${name}`);
  }
  const status = allContainerStatuses(view.status).find((s) => s.name === containerName);
  const cid = logContainerId(status, containerName, name, previous);
  // Instances are numbered by restart count; the status names the newest one and the one before.
  const instance =
    status && cid === status.containerID ? status.restartCount : (status?.restartCount ?? 0) - 1;
  const dir = podLogDir(podLogsDir, namespace, name, view.pod.metadata.uid ?? "");
  const path = containerLogPath(dir, containerName, instance);
  try {
    await access(path);
  } catch {
    throw new LookupError(
      404,
      previous
        ? `previous terminated container "${containerName}" in pod "${name}" not found`
        : `log file for container "${containerName}" in pod "${name}" not found`,
    );
  }
  const running = () => {
    const now = source.pods().find((v) => v.pod.metadata.uid === view.pod.metadata.uid);
    const s = allContainerStatuses(now?.status).find((x) => x.name === containerName);
    return s?.containerID === cid && s.state.running !== undefined;
  };
  return { path, running };
}

/** Which container instance `logs` reads, with the kubelet's answers when there is none. */
function logContainerId(
  status: ContainerStatus | undefined,
  container: string,
  pod: string,
  previous: boolean,
): string {
  const state = status?.state ?? {};
  const last = status?.lastState ?? {};
  if (previous) {
    if (!last.terminated?.containerID)
      throw new LookupError(400, `previous terminated container "${container}" in pod "${pod}" not found`);
    return last.terminated.containerID;
  }
  if (state.running && status?.containerID) return status.containerID;
  if (state.terminated?.containerID) return state.terminated.containerID;
  if (last.terminated?.containerID) return last.terminated.containerID;
  const reason = state.waiting?.reason ?? "ContainerCreating";
  const why =
    reason === "ErrImagePull"
      ? "image can't be pulled"
      : reason === "ImagePullBackOff"
        ? "trying and failing to pull image"
        : reason;
  throw new LookupError(400, `container "${container}" in pod "${pod}" is waiting to start: ${why}`);
}
