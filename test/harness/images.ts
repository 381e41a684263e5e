// Image references of the locally built test images (test/images/build-images.sh) and
// where setup.sh caches their OCI tarballs. No registry is reachable: pods must use
// imagePullPolicy IfNotPresent/Never with these references.
import { join } from "node:path";
import { nodeletCacheDir } from "./cache.ts";

export const PAUSE_IMAGE = "registry.k8s.io/pause:3.9";
/** A non-latest tag, so the default pull policy is IfNotPresent. */
export const BUSYBOX_IMAGE = "docker.io/library/busybox:1.36";
export const BUSYBOX_LATEST = "docker.io/library/busybox:latest";

export const TEST_IMAGE_REFS: readonly string[] = [PAUSE_IMAGE, BUSYBOX_IMAGE, BUSYBOX_LATEST];

/** The OCI layout tarballs to import into a containerd, in import order. */
export function imageTarballs(cacheDir = nodeletCacheDir()): string[] {
  return [join(cacheDir, "images", "pause.tar"), join(cacheDir, "images", "busybox.tar")];
}
