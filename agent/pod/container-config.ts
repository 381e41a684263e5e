// The CRI container configuration for one container instance, as the kubelet builds it. Pure.
import type { Container, Pod } from "../api/pod.ts";
import type { ContainerConfig, KeyValue, LinuxResources, Mount } from "../../cri/runtime.ts";
import { resolveCommand } from "../container/command.ts";
import { containerLogRelPath } from "../logs/log-paths.ts";
import type { ContainerKind } from "./actions.ts";
import { containerHash } from "./container-hash.ts";
import { podNamespaceOptions } from "./sandbox-config.ts";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_KIND,
  ANNOTATION_CONTAINER_PORTS,
  ANNOTATION_POD_GRACE_PERIOD,
  ANNOTATION_PRESTOP_HANDLER,
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from "./labels.ts";

export interface ContainerInputs {
  kind: ContainerKind;
  restartCount: number;
  /** The image as the runtime knows it (image id), resolved before creation. */
  imageRef: string;
  envs: KeyValue[];
  mounts: Mount[];
  resources: LinuxResources;
}

export function containerLabels(pod: Pod, name: string): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name ?? "",
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? "default",
    [LABEL_POD_UID]: pod.metadata.uid ?? "",
    [LABEL_CONTAINER_NAME]: name,
  };
}

function containerAnnotations(pod: Pod, c: Container, inputs: ContainerInputs): Record<string, string> {
  const annotations: Record<string, string> = {
    [ANNOTATION_CONTAINER_HASH]: containerHash(c),
    [ANNOTATION_RESTART_COUNT]: String(inputs.restartCount),
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: c.terminationMessagePath ?? "/dev/termination-log",
    [ANNOTATION_TERMINATION_MESSAGE_POLICY]: c.terminationMessagePolicy ?? "File",
    [ANNOTATION_CONTAINER_KIND]: inputs.kind,
  };
  if (pod.spec.terminationGracePeriodSeconds !== undefined) {
    annotations[ANNOTATION_POD_GRACE_PERIOD] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (c.lifecycle?.preStop) annotations[ANNOTATION_PRESTOP_HANDLER] = JSON.stringify(c.lifecycle.preStop);
  if (c.ports?.length) annotations[ANNOTATION_CONTAINER_PORTS] = JSON.stringify(c.ports);
  return annotations;
}

export function containerConfig(pod: Pod, c: Container, inputs: ContainerInputs): ContainerConfig {
  const podSec = pod.spec.securityContext ?? {};
  const sec = c.securityContext ?? {};
  const runAsUser = sec.runAsUser ?? podSec.runAsUser;
  const runAsGroup = sec.runAsGroup ?? podSec.runAsGroup;
  const groups = [
    ...(podSec.supplementalGroups ?? []),
    ...(podSec.fsGroup !== undefined ? [podSec.fsGroup] : []),
  ];
  return {
    metadata: { name: c.name, attempt: inputs.restartCount },
    image: inputs.imageRef,
    ...resolveCommand(c, inputs.envs),
    workingDir: c.workingDir ?? "",
    envs: inputs.envs,
    mounts: inputs.mounts,
    labels: containerLabels(pod, c.name),
    annotations: containerAnnotations(pod, c, inputs),
    logPath: containerLogRelPath(c.name, inputs.restartCount),
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: {
      resources: inputs.resources,
      securityContext: {
        privileged: sec.privileged ?? false,
        readonlyRootfs: sec.readOnlyRootFilesystem ?? false,
        ...(runAsUser !== undefined ? { runAsUser } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup } : {}),
        ...(groups.length > 0 ? { supplementalGroups: groups } : {}),
        ...(sec.capabilities
          ? { capabilities: { add: sec.capabilities.add ?? [], drop: sec.capabilities.drop ?? [] } }
          : {}),
        namespaceOptions: podNamespaceOptions(pod),
      },
    },
  };
}
