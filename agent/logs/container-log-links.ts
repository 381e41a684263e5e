// The /var/log/containers symlinks: one per container instance, pointing at its log file.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readlink, rename, stat, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type ContainerLogLinkId, containerLogLinkName, parseContainerLogLinkName } from "./log-paths.ts";

/** Create (or atomically replace) the symlink for one container; returns the link's path. */
export async function linkContainerLog(
  containersLogDir: string,
  id: ContainerLogLinkId,
  logFile: string,
): Promise<string> {
  await mkdir(containersLogDir, { recursive: true });
  const link = join(containersLogDir, containerLogLinkName(id));
  const tmp = `${link}.tmp-${randomBytes(4).toString("hex")}`;
  await symlink(logFile, tmp);
  try {
    await rename(tmp, link);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return link;
}

/** Which links to remove: all fields given must match. */
export interface ContainerLinkSelector {
  namespace?: string;
  podName?: string;
  containerName?: string;
  containerId?: string;
}

/** Remove the links matching the selector; returns the removed link paths. Missing dir → []. */
export async function removeContainerLinks(
  containersLogDir: string,
  selector: ContainerLinkSelector,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listDir(containersLogDir)) {
    const id = parseContainerLogLinkName(name);
    if (id === undefined) continue;
    if (selector.namespace !== undefined && id.namespace !== selector.namespace) continue;
    if (selector.podName !== undefined && id.podName !== selector.podName) continue;
    if (selector.containerName !== undefined && id.containerName !== selector.containerName) continue;
    if (selector.containerId !== undefined && id.containerId !== selector.containerId) continue;
    const path = join(containersLogDir, name);
    if (await unlinkIfSymlink(path)) removed.push(path);
  }
  return removed;
}

/** Remove links whose log file no longer exists (container GC); returns the removed link paths. */
export async function removeDanglingContainerLinks(containersLogDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listDir(containersLogDir)) {
    if (parseContainerLogLinkName(name) === undefined) continue;
    const path = join(containersLogDir, name);
    try {
      await stat(path); // follows the link
    } catch {
      if (await unlinkIfSymlink(path)) removed.push(path);
    }
  }
  return removed;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function unlinkIfSymlink(path: string): Promise<boolean> {
  try {
    await readlink(path); // only ever delete symlinks, never a real file someone put there
    await unlink(path);
    return true;
  } catch {
    return false;
  }
}
