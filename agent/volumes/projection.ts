// Pure: the files a configMap, secret, downwardAPI or projected volume should hold (path → bytes +
// mode), exactly as upstream MakePayload/collectData decide them. Errors name the missing thing.
import type { ConfigMap, DownwardAPIVolumeFile, KeyToPath, Secret } from "../api/config-objects.ts";
import type { Pod } from "../api/pod.ts";
import { containerResourceValue, type EnvContext, podFieldValue } from "../container/env.ts";

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path (as in the volume) → content. */
export type Payload = Map<string, FileProjection>;

export const DEFAULT_FILE_MODE = 0o644;

/** The keys of a ConfigMap as bytes: `data` and `binaryData` together. */
export function configMapKeys(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, "utf8"));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, "base64"));
  return out;
}

export function secretKeys(secret: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) out.set(k, Buffer.from(v, "base64"));
  return out;
}

export interface KeyedSource {
  /** "configmap" or "secret" (error wording). */
  kind: "configmap" | "secret";
  name: string;
  /** The object's keys; undefined when the object does not exist. */
  keys: Map<string, Buffer> | undefined;
  items?: KeyToPath[];
  optional?: boolean;
  defaultMode: number;
}

/**
 * Every key as a file of its own name, or only `items` (key → path, with their own mode). A
 * missing object or item key is an error unless the source is optional (then it is skipped).
 */
export function keyedPayload(src: KeyedSource): Payload {
  const payload: Payload = new Map();
  if (src.keys === undefined) {
    if (src.optional) return payload;
    throw new Error(`${src.kind} ${JSON.stringify(src.name)} not found`);
  }
  if (src.items === undefined || src.items.length === 0) {
    for (const [key, data] of src.keys) payload.set(key, { data, mode: src.defaultMode });
    return payload;
  }
  for (const item of src.items) {
    const data = src.keys.get(item.key);
    if (data === undefined) {
      if (src.optional) continue;
      throw new Error(
        `${src.kind} references non-existent ${src.kind === "configmap" ? "config" : "secret"} key: ${item.key}`,
      );
    }
    payload.set(item.path, { data, mode: item.mode ?? src.defaultMode });
  }
  return payload;
}

/** downwardAPI items: pod metadata fields and container resources, one file each. */
export function downwardAPIPayload(
  pod: Pod,
  items: readonly DownwardAPIVolumeFile[],
  defaultMode: number,
  nodeAllocatable?: EnvContext["nodeAllocatable"],
): Payload {
  const payload: Payload = new Map();
  const ctx: EnvContext = { nodeName: pod.spec.nodeName ?? "", hostIP: "" };
  for (const item of items) {
    let value: string;
    if (item.fieldRef) {
      value = podFieldValue(item.fieldRef.fieldPath, pod, ctx);
    } else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find(
        (c) => c.name === ref.containerName,
      );
      if (container === undefined)
        throw new Error(
          `downwardAPI ${JSON.stringify(item.path)}: container ${ref.containerName ?? ""} not found`,
        );
      value = containerResourceValue(ref, pod, container, nodeAllocatable);
    } else {
      throw new Error(`downwardAPI ${JSON.stringify(item.path)}: needs fieldRef or resourceFieldRef`);
    }
    payload.set(item.path, { data: Buffer.from(value, "utf8"), mode: item.mode ?? defaultMode });
  }
  return payload;
}

/**
 * A payload path must stay inside the volume (upstream atomic writer validatePath): relative, no
 * ".." element, not starting with "..", at most 4096 bytes with elements of at most 255.
 * Returns the path cleaned of "." elements and duplicate slashes.
 */
export function cleanPayloadPath(path: string): string {
  if (path === "") throw new Error("invalid path: must not be empty");
  if (path.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  if (path.startsWith("/")) throw new Error(`invalid path ${JSON.stringify(path)}: must be relative path`);
  if (path.startsWith(".."))
    throw new Error(`invalid path ${JSON.stringify(path)}: must not start with '..'`);
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  for (const p of parts) {
    if (p === "..") throw new Error(`invalid path ${JSON.stringify(path)}: must not contain '..'`);
    if (p.length > 255)
      throw new Error(`invalid path ${JSON.stringify(path)}: element longer than 255 characters`);
  }
  if (parts.length === 0) throw new Error(`invalid path ${JSON.stringify(path)}`);
  return parts.join("/");
}

/** Validates and cleans every path; a later entry for the same path wins (projected sources). */
export function cleanPayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [path, file] of payload) out.set(cleanPayloadPath(path), file);
  return out;
}
