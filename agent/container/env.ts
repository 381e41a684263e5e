// A container's environment, as the kubelet builds it (makeEnvironmentVariables):
//   1. envFrom sources in order (keys that are not valid variable names are skipped, reported);
//   2. env entries in order, each overriding: `value` with `$(VAR)` expanded against the variables
//      defined so far and the service variables, or `valueFrom` resolved (never expanded);
//   3. service variables not already defined.
// Missing non-optional ConfigMaps/Secrets/keys are errors (the kubelet then refuses to start the
// container: CreateContainerConfigError); optional ones are skipped.
import type { Container, EnvVarSource, Pod } from "../api/pod.ts";
import type { KeyValue } from "../../cri/runtime.ts";
import { effectiveRequestList, limitList } from "../resources/pod-requests.ts";
import { parseQuantity, type Quantity } from "../resources/quantity.ts";
import { expandVars, mapLookup } from "./expand.ts";

/** Upstream IsEnvVarName (classic rule): `[-._a-zA-Z][-._a-zA-Z0-9]*`. */
export const ENV_VAR_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
export const ENV_VAR_NAME_MESSAGE =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', " +
  "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', " +
  "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

export function isEnvVarName(name: string): boolean {
  return ENV_VAR_NAME_RE.test(name);
}

/** Key/value data of a ConfigMap (`data`) or Secret (decoded `data`), or undefined if absent. */
export type DataLookup = (namespace: string, name: string) => Readonly<Record<string, string>> | undefined;

export interface EnvContext {
  nodeName: string;
  hostIP: string;
  hostIPs?: string[];
  podIP?: string;
  podIPs?: string[];
  /** Service variables for this pod (see service-env.ts serviceEnvForPod). */
  serviceEnv?: Readonly<Record<string, string>>;
  /** Node allocatable: the value of limits.* when a container sets no limit. */
  nodeAllocatable?: { milliCPU: number; memoryBytes: number; ephemeralStorageBytes?: number };
  configMaps?: DataLookup;
  secrets?: DataLookup;
}

export interface EnvResult {
  env: KeyValue[];
  /** Reasons the container cannot start (missing required ConfigMap/Secret/key, bad field path). */
  errors: string[];
  /** Not fatal: e.g. envFrom keys skipped as invalid names (upstream emits an Event). */
  warnings: string[];
}

export function buildEnv(pod: Pod, container: Container, ctx: EnvContext): EnvResult {
  const namespace = pod.metadata.namespace ?? "default";
  const vars = new Map<string, string>();
  const errors: string[] = [];
  const warnings: string[] = [];
  const serviceEnv = ctx.serviceEnv ?? {};
  const lookups = [mapLookup(vars), mapLookup(serviceEnv)];

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    let kind: "ConfigMap" | "Secret";
    let ref: { name: string; optional?: boolean };
    let lookup: DataLookup | undefined;
    if (from.configMapRef) {
      kind = "ConfigMap";
      ref = from.configMapRef;
      lookup = ctx.configMaps;
    } else if (from.secretRef) {
      kind = "Secret";
      ref = from.secretRef;
      lookup = ctx.secrets;
    } else {
      continue;
    }
    const data = lookup?.(namespace, ref.name);
    if (data === undefined) {
      if (!ref.optional) errors.push(`${kind.toLowerCase()} ${JSON.stringify(ref.name)} not found`);
      continue;
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const name = prefix + k;
      if (!isEnvVarName(name)) {
        invalid.push(name);
        continue;
      }
      vars.set(name, v);
    }
    if (invalid.length > 0) {
      invalid.sort();
      warnings.push(
        `Keys [${invalid.join(", ")}] from the EnvFrom ${kind === "ConfigMap" ? "configMap" : "secret"} ` +
          `${namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  for (const e of container.env ?? []) {
    let value = e.value ?? "";
    if (value !== "") {
      value = expandVars(value, lookups);
    } else if (e.valueFrom) {
      const r = resolveValueFrom(e.valueFrom, pod, container, namespace, ctx);
      if ("error" in r) {
        errors.push(r.error);
        continue;
      }
      if (r.skip) continue;
      value = r.value;
    }
    vars.set(e.name, value);
  }

  const env: KeyValue[] = [];
  for (const [key, value] of vars) env.push({ key, value });
  for (const [key, value] of Object.entries(serviceEnv)) {
    if (!vars.has(key)) env.push({ key, value });
  }
  return { env, errors, warnings };
}

type Resolved = { value: string; skip?: false } | { skip: true } | { error: string };

function resolveValueFrom(
  src: EnvVarSource,
  pod: Pod,
  container: Container,
  namespace: string,
  ctx: EnvContext,
): Resolved {
  if (src.fieldRef) {
    try {
      return { value: podFieldValue(src.fieldRef.fieldPath, pod, ctx) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (src.resourceFieldRef) {
    try {
      return { value: containerResourceValue(src.resourceFieldRef, pod, container, ctx.nodeAllocatable) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  const keyRef = src.configMapKeyRef ?? src.secretKeyRef;
  if (keyRef) {
    const kind = src.configMapKeyRef ? "ConfigMap" : "Secret";
    const data = (src.configMapKeyRef ? ctx.configMaps : ctx.secrets)?.(namespace, keyRef.name);
    if (data === undefined) {
      return keyRef.optional
        ? { skip: true }
        : { error: `${kind.toLowerCase()} ${JSON.stringify(keyRef.name)} not found` };
    }
    if (!Object.hasOwn(data, keyRef.key)) {
      return keyRef.optional
        ? { skip: true }
        : { error: `couldn't find key ${keyRef.key} in ${kind} ${namespace}/${keyRef.name}` };
    }
    return { value: data[keyRef.key]! };
  }
  return { value: "" };
}

/** `metadata.labels['key']` → ["metadata.labels", "key"]. */
function splitSubscript(path: string): [string, string | undefined] {
  const open = path.indexOf("['");
  if (open === -1 || !path.endsWith("']")) return [path, undefined];
  return [path.slice(0, open), path.slice(open + 2, -2)];
}

/** Go %q of a string, close enough for label/annotation values. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function formatMap(m: Readonly<Record<string, string>>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${goQuote(m[k]!)}`)
    .join("\n");
}

/** The downward API value of a pod field (upstream podFieldSelectorRuntimeValue). */
export function podFieldValue(fieldPath: string, pod: Pod, ctx: EnvContext): string {
  const podIPs = ctx.podIPs && ctx.podIPs.length > 0 ? ctx.podIPs : ctx.podIP ? [ctx.podIP] : [];
  switch (fieldPath) {
    case "spec.nodeName":
      return pod.spec.nodeName ?? ctx.nodeName;
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.hostIP":
      return ctx.hostIPs?.[0] ?? ctx.hostIP;
    case "status.hostIPs":
      return (ctx.hostIPs && ctx.hostIPs.length > 0 ? ctx.hostIPs : [ctx.hostIP]).join(",");
    case "status.podIP":
      return podIPs[0] ?? "";
    case "status.podIPs":
      return podIPs.join(",");
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "default";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "metadata.labels":
      return formatMap(pod.metadata.labels ?? {});
    case "metadata.annotations":
      return formatMap(pod.metadata.annotations ?? {});
  }
  const [path, key] = splitSubscript(fieldPath);
  if (key !== undefined && (path === "metadata.labels" || path === "metadata.annotations")) {
    const m = (path === "metadata.labels" ? pod.metadata.labels : pod.metadata.annotations) ?? {};
    return Object.hasOwn(m, key) ? m[key]! : "";
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new Error("division by zero divisor");
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

/**
 * The downward API value of a container resource (upstream ExtractContainerResourceValue):
 * ceil(value / divisor), cpu compared in milli-units, others in whole units. A missing or zero
 * limit reads as the node's allocatable amount.
 */
export function containerResourceValue(
  ref: { containerName?: string; resource: string; divisor?: string | number },
  pod: Pod,
  container: Container,
  allocatable: EnvContext["nodeAllocatable"],
): string {
  let target = container;
  if (ref.containerName) {
    const found = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find(
      (c) => c.name === ref.containerName,
    );
    if (!found) throw new Error(`container ${ref.containerName} not found`);
    target = found;
  }
  let divisor = ref.divisor === undefined ? undefined : parseQuantity(ref.divisor);
  if (!divisor || divisor.isZero()) divisor = parseQuantity("1");
  const dot = ref.resource.indexOf(".");
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  if (dot === -1 || (kind !== "limits" && kind !== "requests")) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  if (name !== "cpu" && name !== "memory" && name !== "ephemeral-storage" && !name.startsWith("hugepages-")) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  let q: Quantity | undefined;
  if (kind === "limits") {
    q = limitList(target).get(name);
    if ((!q || q.isZero()) && allocatable && !name.startsWith("hugepages-")) {
      const alloc =
        name === "cpu"
          ? `${allocatable.milliCPU}m`
          : name === "memory"
            ? allocatable.memoryBytes
            : allocatable.ephemeralStorageBytes;
      if (alloc !== undefined) q = parseQuantity(alloc);
    }
  } else {
    q = effectiveRequestList(target).get(name);
  }
  q ??= parseQuantity("0");
  if (name === "cpu") return ceilDiv(q.milliValueBig(), divisor.milliValueBig()).toString();
  return ceilDiv(q.valueBig(), divisor.valueBig()).toString();
}
