// The registry credentials a pod's imagePullSecrets give for one image. A pull secret that cannot
// be read is skipped with a warning (upstream: event FailedToRetrieveImagePullSecret) and the
// pull goes on without it.
import type { Pod } from "../api/pod.ts";
import type { ImageAuth } from "../../cri/runtime.ts";
import type { Logger } from "../log.ts";
import type { PodObjects } from "./pod-objects.ts";
import { credentialsForImage, type KeyringEntry, keyringFromSecret } from "./registry-auth.ts";

export async function imagePullCredentials(
  objects: PodObjects,
  pod: Pod,
  image: string,
  log: Logger,
): Promise<ImageAuth[]> {
  const keyrings: KeyringEntry[][] = [];
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    try {
      const secret = await objects.secret(pod, ref.name);
      if (secret === undefined) {
        log.warn(
          { secret: ref.name, reason: "FailedToRetrieveImagePullSecret" },
          `Unable to retrieve some image pull secrets (${ref.name}); attempting to pull the image may not succeed.`,
        );
        continue;
      }
      keyrings.push(keyringFromSecret(secret));
    } catch (err) {
      log.warn(
        { secret: ref.name, err, reason: "FailedToRetrieveImagePullSecret" },
        `cannot read image pull secret ${ref.name}`,
      );
    }
  }
  return credentialsForImage(image, keyrings);
}
