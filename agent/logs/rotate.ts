// Container log rotation, kubelet style: when the live file reaches maxBytes it is renamed to
// `<file>.<YYYYMMDD-hhmmss>` and the runtime is asked to reopen its log (CRI ReopenContainerLog),
// which creates a new empty file; rotated files beyond maxFiles (counting the live one) are deleted.
import { readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface RotateOptions {
  /** Default 10 MiB (containerLogMaxSize). */
  maxBytes?: number;
  /** Files kept per container including the live one; default 5 (containerLogMaxFiles), minimum 2. */
  maxFiles?: number;
  /** Makes the runtime write to a new file at `path` (CRI ReopenContainerLog for the container). */
  reopen: () => Promise<void>;
  now?: () => Date;
}

export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_LOG_FILES = 5;

/** `20060102-150405` in UTC, the kubelet's suffix for rotated logs. */
export function rotationSuffix(time: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${time.getUTCFullYear()}${p(time.getUTCMonth() + 1)}${p(time.getUTCDate())}-` +
    `${p(time.getUTCHours())}${p(time.getUTCMinutes())}${p(time.getUTCSeconds())}`
  );
}

/** The rotated siblings of a log file, oldest first. */
export async function rotatedLogs(path: string): Promise<string[]> {
  const name = basename(path);
  const pattern = new RegExp(`^${escapeRegExp(name)}\\.\\d{8}-\\d{6}(?:\\.\\d+)?$`);
  let entries: string[];
  try {
    entries = await readdir(dirname(path));
  } catch {
    return [];
  }
  return entries
    .filter((e) => pattern.test(e))
    .sort(compareRotated)
    .map((e) => join(dirname(path), e));
}

/** Rotate the file when it has reached maxBytes. Returns true when it rotated. */
export async function rotateIfNeeded(path: string, opts: RotateOptions): Promise<boolean> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
  const maxFiles = Math.max(2, opts.maxFiles ?? DEFAULT_MAX_LOG_FILES);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return false;
  }
  if (size < maxBytes) return false;

  // Make room: after the rename there will be the live file plus (maxFiles - 1) rotated ones.
  const rotated = await rotatedLogs(path);
  for (const old of rotated.slice(0, Math.max(0, rotated.length - (maxFiles - 2)))) {
    await unlink(old).catch(() => {});
  }

  const now = (opts.now ?? (() => new Date()))();
  let target = `${path}.${rotationSuffix(now)}`;
  // Two rotations within one second: keep both.
  for (let i = 1; await exists(target); i++) target = `${path}.${rotationSuffix(now)}.${i}`;
  await rename(path, target);
  try {
    await opts.reopen();
  } catch (err) {
    // The runtime still writes to the renamed file: put it back so the live name stays right.
    await rename(target, path).catch(() => {});
    throw err;
  }
  return true;
}

function compareRotated(a: string, b: string): number {
  const key = (s: string) => {
    const m = /\.(\d{8}-\d{6})(?:\.(\d+))?$/.exec(s);
    return [m?.[1] ?? "", Number(m?.[2] ?? 0)] as const;
  };
  const [ta, na] = key(a);
  const [tb, nb] = key(b);
  return ta === tb ? na - nb : ta < tb ? -1 : 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
