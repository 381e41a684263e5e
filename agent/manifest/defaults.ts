// Upstream defaulting of a Pod (pkg/apis/core/v1/defaults.go plus what the API server fills in),
// so that a static manifest behaves exactly like the same pod created through the API.
import type { Container, Pod, Probe, Volume } from "../api/pod.ts";

export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
/** 0644: ConfigMap/Secret/downwardAPI/projected volume files. */
export const DEFAULT_VOLUME_MODE = 0o644;

/**
 * The tag of an image reference, "" when it has a digest but no tag, "latest" when it has
 * neither (as upstream parsers.ParseImageName reports it).
 */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const hasDigest = at !== -1;
  const name = hasDigest ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf("/");
  const lastComponent = name.slice(lastSlash + 1);
  const colon = lastComponent.lastIndexOf(":");
  if (colon !== -1) return lastComponent.slice(colon + 1);
  return hasDigest ? "" : "latest";
}

/** Always for ":latest" or untagged images, otherwise IfNotPresent (digests included). */
export function defaultImagePullPolicy(image: string): "Always" | "IfNotPresent" {
  return imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Probe | undefined): void {
  if (!p || typeof p !== "object") return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet && typeof p.httpGet === "object") {
    p.httpGet.path ??= "/";
    p.httpGet.scheme ??= "HTTP";
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c || typeof c !== "object") return;
  if (!c.imagePullPolicy && typeof c.image === "string") c.imagePullPolicy = defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= DEFAULT_TERMINATION_MESSAGE_PATH;
  c.terminationMessagePolicy ??= "File";
  for (const p of Array.isArray(c.ports) ? c.ports : []) {
    if (!p || typeof p !== "object") continue;
    p.protocol ??= "TCP";
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of Array.isArray(c.env) ? c.env : []) {
    const fieldRef = e?.valueFrom?.fieldRef;
    if (fieldRef && typeof fieldRef === "object") fieldRef.apiVersion ??= "v1";
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const h of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (h?.httpGet && typeof h.httpGet === "object") {
      h.httpGet.path ??= "/";
      h.httpGet.scheme ??= "HTTP";
    }
  }
  // A limit with no request: request = limit (SetDefaults_Pod).
  const limits = c.resources?.limits;
  if (limits && typeof limits === "object" && Object.keys(limits).length > 0) {
    c.resources!.requests ??= {};
    const requests = c.resources!.requests;
    for (const [name, q] of Object.entries(limits)) {
      if (!Object.hasOwn(requests, name)) requests[name] = q;
    }
  }
}

const VOLUME_SOURCE_KEYS_WITH_MODE = ["configMap", "secret", "downwardAPI", "projected"] as const;

function defaultVolume(v: Volume): void {
  if (!v || typeof v !== "object") return;
  const sources = Object.keys(v).filter((k) => k !== "name");
  // SetDefaults_Volume: no source at all → emptyDir
  if (sources.length === 0) v.emptyDir = {};
  if (v.hostPath && typeof v.hostPath === "object") v.hostPath.type ??= "";
  for (const key of VOLUME_SOURCE_KEYS_WITH_MODE) {
    const src = v[key] as { defaultMode?: number } | undefined;
    if (src && typeof src === "object") src.defaultMode ??= DEFAULT_VOLUME_MODE;
  }
}

/** Returns a defaulted deep copy; the input is not modified. Tolerates malformed parts. */
export function applyPodDefaults(input: Pod): Pod {
  const pod = structuredClone(input);
  pod.apiVersion ??= "v1";
  pod.kind ??= "Pod";
  pod.metadata ??= {};
  if (!pod.metadata.namespace) pod.metadata.namespace = DEFAULT_NAMESPACE;
  const spec = pod.spec;
  if (!spec || typeof spec !== "object") return pod;
  spec.restartPolicy ??= "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ??= DEFAULT_SCHEDULER_NAME;
  spec.enableServiceLinks ??= true;
  spec.securityContext ??= {};
  const hostNetwork = spec.hostNetwork === true;
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : [])
    defaultContainer(c, hostNetwork);
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c, hostNetwork);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) defaultVolume(v);
  return pod;
}
