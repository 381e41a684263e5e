// hostPath: a path on the node, checked (and for *OrCreate types created) exactly as upstream does.
import type { Stats } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import type { HostPathType, Volume } from "../api/pod.ts";
import type { PreparedVolume, VolumePlugin, VolumeSetUpContext } from "./volume-plugin.ts";
import { HOST_PATH_PLUGIN } from "./volume-paths.ts";

/** What exists at a path, as far as the type check is concerned (stat follows symlinks). */
export type PathKind = "missing" | "directory" | "file" | "socket" | "char-device" | "block-device" | "other";

export function pathKind(st: Stats | undefined): PathKind {
  if (st === undefined) return "missing";
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "file";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "char-device";
  if (st.isBlockDevice()) return "block-device";
  return "other";
}

const EXPECTED: Record<Exclude<HostPathType, "">, { kind: PathKind; noun: string }> = {
  DirectoryOrCreate: { kind: "directory", noun: "a directory" },
  Directory: { kind: "directory", noun: "a directory" },
  FileOrCreate: { kind: "file", noun: "a file" },
  File: { kind: "file", noun: "a file" },
  Socket: { kind: "socket", noun: "a socket file" },
  CharDevice: { kind: "char-device", noun: "a character device" },
  BlockDevice: { kind: "block-device", noun: "a block device" },
};

const DESCRIBE: Record<PathKind, string> = {
  missing: "it does not exist",
  directory: "it is a directory",
  file: "it is a regular file",
  socket: "it is a socket",
  "char-device": "it is a character device",
  "block-device": "it is a block device",
  other: "it is another kind of file",
};

/**
 * Pure decision for a hostPath `type`: "ok", "create-directory", "create-file", or an error text
 * (upstream wording "hostPath type check failed: <path> is not a directory" plus what was found).
 */
export function hostPathAction(
  path: string,
  type: HostPathType | undefined,
  found: PathKind,
): "ok" | "create-directory" | "create-file" | { error: string } {
  if (type === undefined || type === "") return "ok";
  const expected = EXPECTED[type];
  if (expected === undefined) return { error: `${JSON.stringify(type)} is an invalid hostPath type` };
  if (found === "missing" && type === "DirectoryOrCreate") return "create-directory";
  if (found === "missing" && type === "FileOrCreate") return "create-file";
  if (found === expected.kind) return "ok";
  return { error: `hostPath type check failed: ${path} is not ${expected.noun} (${DESCRIBE[found]})` };
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export class HostPathPlugin implements VolumePlugin {
  readonly name = HOST_PATH_PLUGIN;

  canSupport(volume: Volume): boolean {
    return volume.hostPath !== undefined;
  }

  async setUp({ volume }: VolumeSetUpContext): Promise<PreparedVolume> {
    const source = volume.hostPath!;
    if (!source.path.startsWith("/"))
      throw new Error(`hostPath path must be absolute, got ${JSON.stringify(source.path)}`);
    const action = hostPathAction(source.path, source.type, pathKind(await statOrUndefined(source.path)));
    if (typeof action === "object") throw new Error(action.error);
    if (action === "create-directory") {
      await mkdir(source.path, { recursive: true, mode: 0o755 });
    } else if (action === "create-file") {
      // Like upstream: the parent directory must already exist.
      try {
        await (await open(source.path, "a", 0o644)).close();
      } catch (err) {
        throw new Error(`hostPath: cannot create file ${source.path}: ${(err as Error).message}`);
      }
    }
    return { hostPath: source.path, readOnly: false };
  }
}
