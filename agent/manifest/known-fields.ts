// Field names of core/v1 Pod that upstream knows (including those nodelet ignores), to report
// unknown fields the way strict decoding does: as warnings naming the path, never as errors.
import type { FieldWarning } from "./field-errors.ts";

const POD = ["apiVersion", "kind", "metadata", "spec", "status"];
const OBJECT_META = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];
const POD_SPEC = [
  "volumes",
  "initContainers",
  "containers",
  "ephemeralContainers",
  "restartPolicy",
  "terminationGracePeriodSeconds",
  "activeDeadlineSeconds",
  "dnsPolicy",
  "nodeSelector",
  "serviceAccountName",
  "serviceAccount",
  "automountServiceAccountToken",
  "nodeName",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "shareProcessNamespace",
  "securityContext",
  "imagePullSecrets",
  "hostname",
  "subdomain",
  "affinity",
  "schedulerName",
  "tolerations",
  "hostAliases",
  "priorityClassName",
  "priority",
  "dnsConfig",
  "readinessGates",
  "runtimeClassName",
  "enableServiceLinks",
  "preemptionPolicy",
  "overhead",
  "topologySpreadConstraints",
  "setHostnameAsFQDN",
  "os",
  "hostUsers",
  "schedulingGates",
  "resourceClaims",
  "resources",
  "hostnameOverride",
];
const CONTAINER = [
  "name",
  "image",
  "command",
  "args",
  "workingDir",
  "ports",
  "envFrom",
  "env",
  "resources",
  "resizePolicy",
  "restartPolicy",
  "restartPolicyRules",
  "volumeMounts",
  "volumeDevices",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
  "terminationMessagePath",
  "terminationMessagePolicy",
  "imagePullPolicy",
  "securityContext",
  "stdin",
  "stdinOnce",
  "tty",
];
const CONTAINER_PORT = ["name", "hostPort", "containerPort", "protocol", "hostIP"];
const ENV_VAR = ["name", "value", "valueFrom"];
const VOLUME_MOUNT = [
  "name",
  "readOnly",
  "recursiveReadOnly",
  "mountPath",
  "subPath",
  "mountPropagation",
  "subPathExpr",
];
const RESOURCES = ["limits", "requests", "claims"];
const PROBE = [
  "exec",
  "httpGet",
  "tcpSocket",
  "grpc",
  "initialDelaySeconds",
  "timeoutSeconds",
  "periodSeconds",
  "successThreshold",
  "failureThreshold",
  "terminationGracePeriodSeconds",
];
const LIFECYCLE = ["postStart", "preStop", "stopSignal"];

/** Every volume source upstream knows, in upstream order. */
export const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function check(obj: unknown, known: readonly string[], path: string, out: FieldWarning[]): void {
  if (!isObject(obj)) return;
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const field = path ? `${path}.${key}` : key;
      out.push({ field, reason: `unknown field "${field}"` });
    }
  }
}

function each(list: unknown, path: string, fn: (item: unknown, path: string) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    fn(item, `${path}[${i}]`);
  });
}

function checkContainer(c: unknown, path: string, out: FieldWarning[]): void {
  check(c, CONTAINER, path, out);
  if (!isObject(c)) return;
  each(c["ports"], `${path}.ports`, (p, pp) => check(p, CONTAINER_PORT, pp, out));
  each(c["env"], `${path}.env`, (e, ep) => check(e, ENV_VAR, ep, out));
  each(c["volumeMounts"], `${path}.volumeMounts`, (m, mp) => check(m, VOLUME_MOUNT, mp, out));
  check(c["resources"], RESOURCES, `${path}.resources`, out);
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    check(c[probe], PROBE, `${path}.${probe}`, out);
  }
  check(c["lifecycle"], LIFECYCLE, `${path}.lifecycle`, out);
}

/** Warnings for fields upstream would not know, by path. */
export function unknownFieldWarnings(obj: unknown): FieldWarning[] {
  const out: FieldWarning[] = [];
  check(obj, POD, "", out);
  if (!isObject(obj)) return out;
  check(obj["metadata"], OBJECT_META, "metadata", out);
  const spec = obj["spec"];
  check(spec, POD_SPEC, "spec", out);
  if (!isObject(spec)) return out;
  each(spec["initContainers"], "spec.initContainers", (c, p) => checkContainer(c, p, out));
  each(spec["containers"], "spec.containers", (c, p) => checkContainer(c, p, out));
  each(spec["volumes"], "spec.volumes", (v, p) => check(v, ["name", ...VOLUME_SOURCES], p, out));
  return out;
}
