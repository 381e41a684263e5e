// Replaces a file in one step (write a temporary sibling, then rename), so a crash leaves either
// the old or the new content, never half of one; the mode is set before the rename.
import { randomBytes } from "node:crypto";
import { chmod, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

function tmpSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
}

export async function writeFileAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  const tmp = tmpSibling(path);
  try {
    await writeFile(tmp, data, { mode, flag: "wx" });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Points the symlink at path to target, replacing whatever is there. */
export async function symlinkAtomic(target: string, path: string): Promise<void> {
  const tmp = tmpSibling(path);
  try {
    await symlink(target, tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
