// Making sure a container's image is present, per imagePullPolicy, with the image-pull back-off.
import type { Container, ImagePullPolicy, Pod } from "../api/pod.ts";
import type { ImageAuth, Runtime } from "../../cri/runtime.ts";
import { messages, REASON } from "../events/messages.ts";
import { discardEvents, type EventRecorder } from "../events/recorder.ts";
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
  events: EventRecorder = discardEvents,
): Promise<ImageResult> {
  const name = c.name;
  // Upstream follows each failure with a Failed "Error: <reason>" event from the container start.
  const failed = (result: Extract<ImageResult, { reason: string }>): ImageResult => {
    events.containerEvent(pod, name, "Warning", REASON.Failed, messages.error(result.reason));
    return result;
  };
  const policy = effectivePullPolicy(c);
  const present = policy === "Always" ? undefined : await runtime.imageStatus(c.image);
  if (present) {
    events.containerEvent(pod, name, "Normal", REASON.Pulled, messages.alreadyPresent(c.image));
    return { ref: present.id };
  }
  if (policy === "Never") {
    const message = `Container image "${c.image}" is not present with pull policy of Never`;
    events.containerEvent(pod, name, "Warning", REASON.ErrImageNeverPull, message);
    return failed({ reason: "ErrImageNeverPull", message, retryAfterMs: 10_000 });
  }
  const key = `${c.image}/${pod.metadata.uid}`;
  if (backoff.isInBackoffSinceUpdate(key, nowMs)) {
    const message = `Back-off pulling image "${c.image}"`;
    events.containerEvent(pod, name, "Normal", REASON.BackOff, message);
    return failed({ reason: "ImagePullBackOff", message, retryAfterMs: backoff.get(key) });
  }
  try {
    log.info({ image: c.image, policy }, "pulling image");
    events.containerEvent(pod, name, "Normal", REASON.Pulling, messages.pulling(c.image));
    const started = Date.now();
    const ref = await pullWithCredentials(runtime, c.image, (await credentials?.()) ?? []);
    const pullMs = Date.now() - started;
    backoff.reset(key);
    log.info({ image: c.image, ref }, "pulled image");
    const size = (await runtime.imageStatus(ref).catch(() => undefined))?.size ?? 0;
    events.containerEvent(pod, name, "Normal", REASON.Pulled, messages.pulled(c.image, pullMs, pullMs, size));
    return { ref };
  } catch (err) {
    backoff.next(key, nowMs, nowMs);
    const message = `Failed to pull image "${c.image}": ${(err as Error).message}`;
    log.warn({ image: c.image, reason: "ErrImagePull" }, message);
    events.containerEvent(pod, name, "Warning", REASON.Failed, message);
    return failed({ reason: "ErrImagePull", message, retryAfterMs: backoff.get(key) });
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
