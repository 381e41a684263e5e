// The host side shared by configMap, secret, downwardAPI and projected volumes: a directory (a
// tmpfs for those that may hold secrets) whose files are replaced atomically. Containers always
// get these volumes read-only, as upstream.
import { chmod, mkdir } from "node:fs/promises";
import { writeAtomically } from "./atomic-writer.ts";
import { listMounts, mountTmpfs } from "./mounts.ts";
import type { Payload } from "./projection.ts";
import type { PreparedVolume } from "./volume-plugin.ts";

export async function setUpFilesVolume(
  dir: string,
  payload: Payload,
  inMemory: boolean,
): Promise<PreparedVolume> {
  await mkdir(dir, { recursive: true });
  if (inMemory && !(await listMounts()).some((m) => m.mountPoint === dir)) await mountTmpfs(dir, []);
  await chmod(dir, 0o777);
  await writeAtomically(dir, payload);
  return { hostPath: dir, readOnly: true };
}
