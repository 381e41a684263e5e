// Reading the kubelet's own KubeletConfiguration (kubelet.config.k8s.io/v1beta1) for the fields that
// apply to nodelet. Pure: text in, partial config and precise problems out.
import { parse } from "yaml";
import { parseQuantity } from "../resources/quantity.ts";
import type { NodeletConfig } from "./config.ts";
import { parseDuration } from "./duration.ts";

export interface ConfigProblem {
  field: string;
  reason: string;
}

export interface ParsedKubeletConfiguration {
  config: Partial<NodeletConfig>;
  errors: ConfigProblem[];
  /** Fields the kubelet knows that nodelet ignores (reported, not fatal). */
  ignored: string[];
}

type Reader = (value: unknown, out: Partial<NodeletConfig>) => void;

const str =
  (key: keyof NodeletConfig): Reader =>
  (v, out) => {
    if (typeof v !== "string") throw new Error("must be a string");
    (out as Record<string, unknown>)[key] = v;
  };
const int =
  (key: keyof NodeletConfig, min: number, max: number): Reader =>
  (v, out) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new Error(`must be an integer between ${min} and ${max}`);
    }
    (out as Record<string, unknown>)[key] = v;
  };
const bool =
  (key: keyof NodeletConfig): Reader =>
  (v, out) => {
    if (typeof v !== "boolean") throw new Error("must be true or false");
    (out as Record<string, unknown>)[key] = v;
  };
const duration =
  (key: keyof NodeletConfig): Reader =>
  (v, out) => {
    if (typeof v !== "string") throw new Error('must be a duration string such as "20s"');
    (out as Record<string, unknown>)[key] = parseDuration(v);
  };

const READERS: Record<string, Reader> = {
  staticPodPath: str("manifestsDir"),
  containerRuntimeEndpoint: str("runtimeEndpoint"),
  rootDir: str("rootDir"),
  podLogsDir: str("podLogsDir"),
  maxPods: int("maxPods", 1, 100000),
  cgroupDriver: (v, out) => {
    if (v !== "cgroupfs" && v !== "systemd") throw new Error('must be "cgroupfs" or "systemd"');
    out.cgroupDriver = v;
  },
  cgroupRoot: str("cgroupRoot"),
  clusterDNS: (v, out) => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw new Error("must be a list of IP addresses");
    out.clusterDNS = v;
  },
  clusterDomain: str("clusterDomain"),
  resolvConf: str("resolvConf"),
  healthzPort: int("healthzPort", 0, 65535),
  healthzBindAddress: str("healthzBindAddress"),
  fileCheckFrequency: duration("fileCheckFrequencyMs"),
  syncFrequency: duration("syncFrequencyMs"),
  failSwapOn: bool("failSwapOn"),
  containerLogMaxFiles: int("containerLogMaxFiles", 2, 1000),
  containerLogMaxSize: (v, out) => {
    if (typeof v !== "string") throw new Error('must be a quantity such as "10Mi"');
    out.containerLogMaxSizeBytes = parseQuantity(v).value();
  },
  nodeStatusUpdateFrequency: duration("nodeStatusUpdateFrequencyMs"),
  nodeStatusReportFrequency: duration("nodeStatusReportFrequencyMs"),
  nodeLeaseDurationSeconds: int("nodeLeaseDurationSeconds", 1, 3600),
  // 0 turns the kubelet API off (upstream requires a port; nodelet allows running without it).
  port: int("kubeletPort", 0, 65535),
  address: str("address"),
  tlsCertFile: str("tlsCertFile"),
  tlsPrivateKeyFile: str("tlsPrivateKeyFile"),
  authentication: (v, out) => readAuthentication(v, out),
  authorization: (v, out) => readAuthorization(v, out),
  registerNode: bool("registerNode"),
  rotateCertificates: bool("rotateCertificates"),
  registerWithTaints: (v, out) => {
    if (!Array.isArray(v)) throw new Error("must be a list of taints");
    out.registerWithTaints = v.map((t: { key?: unknown; value?: unknown; effect?: unknown }, i) => {
      if (typeof t?.key !== "string" || typeof t.effect !== "string")
        throw new Error(`[${i}]: key and effect are required`);
      return `${t.key}${typeof t.value === "string" && t.value ? `=${t.value}` : ""}:${t.effect}`;
    });
  },
  kubeReserved: (v, out) => addReserved(v, out),
  systemReserved: (v, out) => addReserved(v, out),
  crashLoopBackOff: (v, out) => {
    const max = (v as { maxContainerRestartPeriod?: unknown } | null)?.maxContainerRestartPeriod;
    if (max === undefined) return;
    if (typeof max !== "string") throw new Error("maxContainerRestartPeriod must be a duration string");
    const ms = parseDuration(max);
    if (ms < 1000 || ms > 300_000) throw new Error("maxContainerRestartPeriod must be between 1s and 300s");
    out.crashLoopBackOffMaxMs = ms;
  },
};

type Obj = Record<string, unknown>;

function object(v: unknown, what: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`${what} must be a mapping`);
  return v as Obj;
}

/** A nested field read with a field reader, its path prefixed to the error. */
function nested(path: string, read: Reader, v: unknown, out: Partial<NodeletConfig>): void {
  if (v === undefined) return;
  try {
    read(v, out);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** authentication: {x509: {clientCAFile}, webhook: {enabled, cacheTTL}, anonymous: {enabled}} */
function readAuthentication(v: unknown, out: Partial<NodeletConfig>): void {
  const a = object(v, "authentication");
  const x509 = object(a.x509, "x509");
  const webhook = object(a.webhook, "webhook");
  const anonymous = object(a.anonymous, "anonymous");
  nested("x509.clientCAFile", str("clientCAFile"), x509.clientCAFile, out);
  nested("webhook.enabled", bool("authenticationTokenWebhook"), webhook.enabled, out);
  nested("webhook.cacheTTL", duration("authenticationTokenWebhookCacheTtlMs"), webhook.cacheTTL, out);
  nested("anonymous.enabled", bool("anonymousAuth"), anonymous.enabled, out);
}

/** authorization: {mode: Webhook|AlwaysAllow, webhook: {cacheAuthorizedTTL, cacheUnauthorizedTTL}} */
function readAuthorization(v: unknown, out: Partial<NodeletConfig>): void {
  const a = object(v, "authorization");
  if (a.mode !== undefined) {
    if (a.mode !== "Webhook" && a.mode !== "AlwaysAllow")
      throw new Error('mode: must be "Webhook" or "AlwaysAllow"');
    out.authorizationMode = a.mode;
  }
  const webhook = object(a.webhook, "webhook");
  nested(
    "webhook.cacheAuthorizedTTL",
    duration("authorizationWebhookCacheAuthorizedTtlMs"),
    webhook.cacheAuthorizedTTL,
    out,
  );
  nested(
    "webhook.cacheUnauthorizedTTL",
    duration("authorizationWebhookCacheUnauthorizedTtlMs"),
    webhook.cacheUnauthorizedTTL,
    out,
  );
}

/** kubeReserved/systemReserved: {cpu, memory, ephemeral-storage} quantities, summed. */
function addReserved(v: unknown, out: Partial<NodeletConfig>): void {
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new Error("must be a map of resource quantities");
  const r = out.reserved ?? { milliCPU: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
  for (const [name, q] of Object.entries(v as Record<string, unknown>)) {
    if (typeof q !== "string" && typeof q !== "number") throw new Error(`${name}: must be a quantity`);
    const quantity = parseQuantity(String(q));
    if (name === "cpu") r.milliCPU += quantity.milliValue();
    else if (name === "memory") r.memoryBytes += quantity.value();
    else if (name === "ephemeral-storage") r.ephemeralStorageBytes += quantity.value();
    else if (name !== "pid")
      throw new Error(`${name}: unknown resource (cpu, memory, ephemeral-storage, pid)`);
  }
  out.reserved = r;
}

const METADATA = new Set(["apiVersion", "kind"]);

export function parseKubeletConfiguration(text: string): ParsedKubeletConfiguration {
  const config: Partial<NodeletConfig> = {};
  const errors: ConfigProblem[] = [];
  const ignored: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { config, errors: [{ field: "", reason: `invalid YAML: ${(err as Error).message}` }], ignored };
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    return { config, errors: [{ field: "", reason: "must be a KubeletConfiguration object" }], ignored };
  }
  const obj = doc as Record<string, unknown>;
  if (obj.kind !== "KubeletConfiguration")
    errors.push({ field: "kind", reason: 'must be "KubeletConfiguration"' });
  if (obj.apiVersion !== "kubelet.config.k8s.io/v1beta1") {
    errors.push({ field: "apiVersion", reason: 'must be "kubelet.config.k8s.io/v1beta1"' });
  }
  for (const [key, value] of Object.entries(obj)) {
    if (METADATA.has(key)) continue;
    const read = READERS[key];
    if (!read) {
      ignored.push(key);
      continue;
    }
    try {
      read(value, config);
    } catch (err) {
      errors.push({ field: key, reason: (err as Error).message });
    }
  }
  return { config, errors, ignored };
}
