// The cache directory that test/setup/setup.sh fills (outside the repository).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function nodeletCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["NODELET_CACHE"] || "/var/cache/nodelet";
}

/** Absolute path of the CRI api.proto: $NODELET_CRI_PROTO, else $NODELET_CACHE/cri-api.path. */
export function criProtoPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env["NODELET_CRI_PROTO"];
  if (fromEnv) return fromEnv;
  const pointer = join(nodeletCacheDir(env), "cri-api.path");
  if (!existsSync(pointer)) {
    throw new Error(`CRI api.proto not found: ${pointer} is missing; run test/setup/setup.sh`);
  }
  return readFileSync(pointer, "utf8").trim();
}
