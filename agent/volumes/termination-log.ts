// The host file behind a container's terminationMessagePath. Upstream names it with a random id;
// here the name carries the container's attempt (restart count) instead, which is just as unique
// per container instance and lets the agent find the file again after its own restart (the runtime
// interface does not report mounts back).
import { chmod, mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { containerDir } from "./volume-paths.ts";

/** Upstream limit per container. */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;

export function terminationLogPath(podDir: string, containerName: string, attempt: number): string {
  return join(containerDir(podDir, containerName), `termination-log-${attempt}`);
}

/** Creates (or empties) the file, writable by any container user; returns its path. */
export async function createTerminationLog(
  podDir: string,
  containerName: string,
  attempt: number,
): Promise<string> {
  const path = terminationLogPath(podDir, containerName, attempt);
  await mkdir(containerDir(podDir, containerName), { recursive: true, mode: 0o750 });
  await (await open(path, "w", 0o666)).close();
  await chmod(path, 0o666); // open's mode is subject to the umask
  return path;
}

/** The message a container left (at most maxBytes, from the start); "" when there is no file. */
export async function readTerminationMessage(
  path: string,
  maxBytes = MAX_TERMINATION_MESSAGE_BYTES,
): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch {
    return "";
  }
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    return buf.toString("utf8", 0, bytesRead);
  } finally {
    await fh.close();
  }
}
