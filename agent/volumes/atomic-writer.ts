// Writes a payload into a volume directory with the atomic `..data` layout (see atomic-layout.ts).
// Nothing is written when the files on disk already match, so calling it on every sync is cheap.
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  type AtomicWritePlan,
  DATA_LINK,
  DATA_LINK_TMP,
  isNoop,
  planAtomicWrite,
  timestampedDirPrefix,
  type VolumeDirState,
} from "./atomic-layout.ts";
import { cleanPayload, type Payload } from "./projection.ts";

const DIR_MODE = 0o755;

/** Returns true when the volume changed (files written, links added or removed). */
export async function writeAtomically(dir: string, payload: Payload, now = new Date()): Promise<boolean> {
  const clean = cleanPayload(payload);
  const state = await readState(dir);
  const plan = planAtomicWrite(clean, state);
  if (isNoop(plan)) return false;
  await apply(dir, clean, plan, now);
  return true;
}

async function readState(dir: string): Promise<VolumeDirState> {
  const entries = await readdir(dir);
  let dataTarget: string | undefined;
  try {
    dataTarget = await readlink(join(dir, DATA_LINK));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const current: Payload = new Map();
  if (dataTarget !== undefined) await readFiles(join(dir, dataTarget), "", current);
  return { ...(dataTarget !== undefined ? { dataTarget } : {}), current, entries };
}

async function readFiles(root: string, rel: string, out: Payload): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for (const e of entries) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) await readFiles(root, path, out);
    else if (e.isFile()) {
      const full = join(root, path);
      const [data, st] = await Promise.all([readFile(full), stat(full)]);
      out.set(path, { data, mode: st.mode & 0o7777 });
    }
  }
}

async function apply(dir: string, payload: Payload, plan: AtomicWritePlan, now: Date): Promise<void> {
  if (plan.writeData) {
    const tsDir = await mkdtemp(join(dir, timestampedDirPrefix(now)));
    await chmod(tsDir, DIR_MODE);
    for (const [path, file] of payload) {
      const full = join(tsDir, path);
      if (path.includes("/")) await mkdirs(tsDir, dirname(path));
      await writeFile(full, file.data, { mode: file.mode });
      await chmod(full, file.mode); // writeFile's mode is subject to the umask
    }
    const tmpLink = join(dir, DATA_LINK_TMP);
    await rm(tmpLink, { force: true });
    await symlink(basename(tsDir), tmpLink);
    await rename(tmpLink, join(dir, DATA_LINK));
  }
  for (const name of plan.createLinks) await symlink(join(DATA_LINK, name), join(dir, name));
  for (const name of plan.removeEntries) await rm(join(dir, name), { recursive: true, force: true });
  for (const name of plan.removeDirs) await rm(join(dir, name), { recursive: true, force: true });
}

async function mkdirs(root: string, rel: string): Promise<void> {
  let cur = root;
  for (const part of rel.split("/")) {
    cur = join(cur, part);
    await mkdir(cur, { mode: DIR_MODE }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    });
    await chmod(cur, DIR_MODE);
  }
}
