// Pure decisions of the atomic writer (upstream pkg/volume/util/atomic_writer.go). A volume dir
// holds the files in a timestamped directory, a `..data` symlink to it, and per top-level name a
// symlink `<name> -> ..data/<name>`. An update writes a new timestamped directory and renames a
// temporary symlink over `..data`, so a reader sees either the old set of files or the new one.
import type { Payload } from "./projection.ts";

export const DATA_LINK = "..data";
export const DATA_LINK_TMP = "..data_tmp";

/** Prefix of a timestamped directory, e.g. "..2026_11_22_05_42_27." (a random suffix follows). */
export function timestampedDirPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_` +
    `${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`
  );
}

/** The names the user sees at the top of the volume: the first element of every path. */
export function userVisibleNames(payload: Payload): string[] {
  return [...new Set([...payload.keys()].map((p) => p.split("/")[0]!))].sort();
}

export function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, file] of a) {
    const other = b.get(path);
    if (other === undefined || other.mode !== file.mode || !other.data.equals(file.data)) return false;
  }
  return true;
}

/** What is in the volume directory now. */
export interface VolumeDirState {
  /** Target of `..data` (a timestamped directory name), if the link exists. */
  dataTarget?: string;
  /** The files under the `..data` target (regular files only). */
  current: Payload;
  /** Every entry of the volume directory. */
  entries: string[];
}

export interface AtomicWritePlan {
  /** Write a new timestamped directory and swap `..data` to it. */
  writeData: boolean;
  /** `<name> -> ..data/<name>` symlinks to create. */
  createLinks: string[];
  /** Top-level entries that the new payload no longer has. */
  removeEntries: string[];
  /** Timestamped directories (and a leftover `..data_tmp`) to delete after the swap. */
  removeDirs: string[];
}

export function planAtomicWrite(payload: Payload, state: VolumeDirState): AtomicWritePlan {
  const writeData = state.dataTarget === undefined || !samePayload(payload, state.current);
  const visible = userVisibleNames(payload);
  const present = new Set(state.entries);
  const wanted = new Set(visible);
  return {
    writeData,
    createLinks: visible.filter((n) => !present.has(n)),
    removeEntries: state.entries.filter((e) => !e.startsWith("..") && !wanted.has(e)).sort(),
    removeDirs: state.entries
      .filter((e) => e.startsWith("..") && e !== DATA_LINK && (writeData || e !== state.dataTarget))
      .sort(),
  };
}

export function isNoop(plan: AtomicWritePlan): boolean {
  return (
    !plan.writeData &&
    plan.createLinks.length === 0 &&
    plan.removeEntries.length === 0 &&
    plan.removeDirs.length === 0
  );
}
