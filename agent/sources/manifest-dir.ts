// The static manifests directory: watched with inotify (fs.watch) and re-read every fileCheckFrequency.
// Each scan yields the complete set of valid objects in the directory; a broken file is reported once
// (per content) and affects nothing else.
import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { ManifestError, ManifestObject } from "./manifest-parse.ts";
import { formatManifestError, parseManifestFile } from "./manifest-parse.ts";

export interface DirSnapshot {
  objects: ManifestObject[];
  errors: ManifestError[];
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  objects: ManifestObject[];
  errors: ManifestError[];
}

export interface ManifestDirOptions {
  dir: string;
  log: Logger;
  resyncMs: number;
  onSnapshot: (snapshot: DirSnapshot) => void;
}

export class ManifestDir {
  readonly #opts: ManifestDirOptions;
  readonly #cache = new Map<string, CachedFile>();
  #watcher?: FSWatcher;
  #timer?: NodeJS.Timeout;
  #scanning = false;
  #again = false;
  #stopped = false;

  constructor(opts: ManifestDirOptions) {
    this.#opts = opts;
  }

  /** Scans once (resolving after the first snapshot was delivered), then keeps watching. */
  async start(): Promise<void> {
    try {
      this.#watcher = watch(this.#opts.dir, () => this.#schedule());
      this.#watcher.on("error", (err) =>
        this.#opts.log.warn({ err, dir: this.#opts.dir }, "manifest dir watch failed"),
      );
    } catch (err) {
      this.#opts.log.warn(
        { err, dir: this.#opts.dir },
        "cannot watch manifest dir; relying on periodic re-reads",
      );
    }
    this.#timer = setInterval(() => this.#schedule(), this.#opts.resyncMs);
    this.#timer.unref();
    await this.#scanLoop();
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    if (this.#timer) clearInterval(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#scanning) {
      this.#again = true;
      return;
    }
    void this.#scanLoop();
  }

  async #scanLoop(): Promise<void> {
    this.#scanning = true;
    try {
      do {
        this.#again = false;
        const snapshot = await this.#scan();
        if (!this.#stopped) this.#opts.onSnapshot(snapshot);
      } while (this.#again && !this.#stopped);
    } finally {
      this.#scanning = false;
    }
  }

  async #scan(): Promise<DirSnapshot> {
    let names: string[];
    try {
      names = (await readdir(this.#opts.dir)).filter((n) => !n.startsWith(".")).sort();
    } catch (err) {
      const reason = `cannot read manifest directory: ${(err as Error).message}`;
      return { objects: [], errors: [{ file: this.#opts.dir, reason }] };
    }
    const objects: ManifestObject[] = [];
    const errors: ManifestError[] = [];
    const present = new Set<string>();
    await Promise.all(
      names.map(async (name) => {
        const file = join(this.#opts.dir, name);
        const parsed = await this.#readFile(file);
        if (!parsed) return;
        present.add(file);
        objects.push(...parsed.objects);
        errors.push(...parsed.errors);
      }),
    );
    for (const file of this.#cache.keys()) if (!present.has(file)) this.#cache.delete(file);
    objects.sort((a, b) => (a.file === b.file ? a.index - b.index : a.file < b.file ? -1 : 1));
    return { objects, errors };
  }

  async #readFile(file: string): Promise<CachedFile | undefined> {
    try {
      const st = await stat(file);
      if (!st.isFile()) return undefined;
      const cached = this.#cache.get(file);
      if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
      const text = await readFile(file, "utf8");
      const parsed = parseManifestFile(file, text);
      const entry: CachedFile = { mtimeMs: st.mtimeMs, size: st.size, ...parsed };
      this.#cache.set(file, entry);
      for (const e of parsed.errors)
        this.#opts.log.error({ file, document: e.index }, formatManifestError(e));
      return entry;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      const e: ManifestError = { file, reason: `cannot read: ${(err as Error).message}` };
      this.#opts.log.error({ file }, formatManifestError(e));
      return { mtimeMs: 0, size: 0, objects: [], errors: [e] };
    }
  }
}
