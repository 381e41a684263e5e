// Label and annotation keys the kubelet puts on sandboxes and containers. Using the same keys lets
// `crictl` show nodelet's pods properly and lets nodelet rebuild its state from the runtime alone.

export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";

export const ANNOTATION_CONTAINER_HASH = "io.kubernetes.container.hash";
export const ANNOTATION_RESTART_COUNT = "io.kubernetes.container.restartCount";
export const ANNOTATION_TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath";
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = "io.kubernetes.container.terminationMessagePolicy";
export const ANNOTATION_POD_GRACE_PERIOD = "io.kubernetes.pod.terminationGracePeriod";
export const ANNOTATION_PRESTOP_HANDLER = "io.kubernetes.container.preStopHandler";
export const ANNOTATION_CONTAINER_PORTS = "io.kubernetes.container.ports";
/** nodelet's own: the kind of container ("init" | "app"), so orphans stop in the right order. */
export const ANNOTATION_CONTAINER_KIND = "nodelet.io/container-kind";
/** nodelet's own: the pod spec (JSON) a sandbox was created for, so orphaned pods can be torn down. */
export const ANNOTATION_POD_SPEC_HASH = "nodelet.io/pod-spec-hash";
