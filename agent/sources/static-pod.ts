// Turning a validated manifest Pod into a static pod of this node: name suffix, UID and the
// annotations the kubelet sets on pods from a file source.
import { createHash } from "node:crypto";
import type { Pod } from "../api/pod.ts";
import { stableStringify } from "../pod/hash.ts";

export const ANNOTATION_CONFIG_SOURCE = "kubernetes.io/config.source";
export const ANNOTATION_CONFIG_HASH = "kubernetes.io/config.hash";
export const ANNOTATION_CONFIG_SEEN = "kubernetes.io/config.seen";

/**
 * A static pod's UID is a hash of its content, the node and the file it came from (as upstream):
 * editing the file gives a new pod; the same file on the same node always gives the same UID, so a
 * restarted nodelet adopts the containers it started before.
 */
export function staticPodUid(pod: Pod, nodeName: string, file: string): string {
  return createHash("md5")
    .update(stableStringify(pod))
    .update(`host:${nodeName}`)
    .update(`file:${file}`)
    .digest("hex");
}

export function toStaticPod(pod: Pod, nodeName: string, file: string, seen: string): Pod {
  const uid = staticPodUid(pod, nodeName, file);
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      name: `${pod.metadata.name}-${nodeName}`,
      namespace: pod.metadata.namespace ?? "default",
      uid,
      annotations: {
        ...(pod.metadata.annotations ?? {}),
        [ANNOTATION_CONFIG_SOURCE]: "file",
        [ANNOTATION_CONFIG_HASH]: uid,
        [ANNOTATION_CONFIG_SEEN]: seen,
      },
    },
    spec: { ...pod.spec, nodeName },
  };
}
