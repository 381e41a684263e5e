// Making sure a container's image is present, per imagePullPolicy, with the image-pull back-off.
import type { Container, ImagePullPolicy, Pod } from "../api/pod.ts";
import type { ImageAuth, Runtime } from "../../cri/runtime.ts";
import type { Logger } from "../log.ts";
import type { BackoffPolicy } from "./ports.ts";

export type ImageResult = { ref: string } | { reason: string; message: string; retryAfterMs: number };

/** Upstream default: Always for `:latest` or untagged images, IfNotPresent otherwise. */
export function effectivePullPolicy(c: Container): ImagePullPolicy {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  if (c.image.includes("@")) return "IfNotPresent";
  const lastSegment = c.image.slice(c.image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

export async function pullImageIfNeeded(
  runtime: Runtime,
  backoff: BackoffPolicy,
  pod: Pod,
  c: Container,
  nowMs: number,
  log: Logger,
  /** Registry credentials to try in turn (imagePullSecrets); asked only when a pull happens. */
  credentials?: () => Promise<ImageAuth[]>,
): Promise<ImageResult> {
  const policy = effectivePullPolicy(c);
  const present = policy === "Always" ? undefined : await runtime.imageStatus(c.image);
  if (present) return { ref: present.id };
  if (policy === "Never") {
    return {
      reason: "ErrImageNeverPull",
      message: `Container image "${c.image}" is not present with pull policy of Never`,
      retryAfterMs: 10_000,
    };
  }
  const key = `${c.image}/${pod.metadata.uid}`;
  if (backoff.isInBackoffSinceUpdate(key, nowMs)) {
    return {
      reason: "ImagePullBackOff",
      message: `Back-off pulling image "${c.image}"`,
      retryAfterMs: backoff.get(key),
    };
  }
  try {
    log.info({ image: c.image, policy }, "pulling image");
    const ref = await pullWithCredentials(runtime, c.image, (await credentials?.()) ?? []);
    backoff.reset(key);
    log.info({ image: c.image, ref }, "pulled image");
    return { ref };
  } catch (err) {
    backoff.next(key, nowMs, nowMs);
    const message = `Failed to pull image "${c.image}": ${(err as Error).message}`;
    log.warn({ image: c.image, reason: "ErrImagePull" }, message);
    return { reason: "ErrImagePull", message, retryAfterMs: backoff.get(key) };
  }
}

/** Tries each credential in turn (anonymous when there are none); the last failure is reported. */
async function pullWithCredentials(runtime: Runtime, image: string, auths: ImageAuth[]): Promise<string> {
  if (auths.length === 0) return runtime.pullImage(image);
  let last: unknown;
  for (const auth of auths) {
    try {
      return await runtime.pullImage(image, auth);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
