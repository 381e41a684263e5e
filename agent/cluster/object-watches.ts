// The ConfigMaps or Secrets the node's pods refer to, each watched on its own (list+watch with
// fieldSelector metadata.name=NAME — the Node authorizer allows exactly the objects referenced by
// pods bound to this node) while at least one pod refers to it. This is the kubelet's default
// "Watch" change-detection strategy: reads are served from memory, and a change is pushed to the
// pods that use the object.
import type { Logger } from "../log.ts";
import type { ApiClient } from "./api-client.ts";
import { type ListedObject, Reflector } from "./reflector.ts";

interface Watched<T extends ListedObject> {
  reflector: Reflector<T>;
  pods: Set<string>;
  /** resourceVersion last reported ("" when absent), to notify only on real changes. */
  seen: string | undefined;
}

export interface ObjectWatchesOptions {
  client: ApiClient;
  /** "configmaps" or "secrets" (core/v1). */
  resource: string;
  log: Logger;
  /** How long a first read waits for the object's first list (default 10 s). */
  syncTimeoutMs?: number;
  /** The object changed (created, updated, deleted): these pods use it. */
  onChange(podUids: string[], namespace: string, name: string): void;
}

export class ObjectWatches<T extends ListedObject> {
  readonly #o: ObjectWatchesOptions;
  readonly #watched = new Map<string, Watched<T>>();

  constructor(opts: ObjectWatchesOptions) {
    this.#o = opts;
  }

  /** Records that the pod uses namespace/name, starting its watch if it is the first user. */
  ref(podUid: string, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    let w = this.#watched.get(key);
    if (!w) {
      const entry: Watched<T> = {
        pods: new Set(),
        seen: undefined,
        reflector: new Reflector<T>({
          client: this.#o.client,
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/${this.#o.resource}`,
          fieldSelector: `metadata.name=${name}`,
          log: this.#o.log,
          backoffMs: { initial: 500, max: 10_000 },
          onChange: (store) => {
            const rv = store.get(key)?.metadata.resourceVersion ?? "";
            const before = entry.seen;
            entry.seen = rv;
            if (before !== undefined && before !== rv) this.#o.onChange([...entry.pods], namespace, name);
          },
        }),
      };
      entry.reflector.start();
      this.#watched.set(key, entry);
      w = entry;
    }
    w.pods.add(podUid);
  }

  /** Drops every reference of the pod; watches nobody uses any more stop. */
  async unrefPod(podUid: string): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const [key, w] of this.#watched) {
      if (!w.pods.delete(podUid) || w.pods.size > 0) continue;
      this.#watched.delete(key);
      stops.push(w.reflector.stop());
    }
    await Promise.all(stops);
  }

  /**
   * The object (undefined: it does not exist), after its first list. Rejects when that list has
   * not arrived in time (e.g. the API server is unreachable or refuses the read).
   */
  async get(podUid: string, namespace: string, name: string): Promise<T | undefined> {
    this.ref(podUid, namespace, name);
    const key = `${namespace}/${name}`;
    const w = this.#watched.get(key)!;
    if (!w.reflector.synced) {
      const timeoutMs = this.#o.syncTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const r = await Promise.race([w.reflector.waitForSync().then(() => "synced" as const), timedOut]);
      clearTimeout(timer);
      if (r === "timeout") {
        const why = w.reflector.lastError ?? `no answer in ${Math.round(timeoutMs / 1000)}s`;
        throw new Error(`cannot read ${this.#o.resource} ${key}: ${why}`);
      }
    }
    return w.reflector.store.get(key);
  }

  /** Number of objects watched (for tests and metrics). */
  get size(): number {
    return this.#watched.size;
  }

  async stop(): Promise<void> {
    const all = [...this.#watched.values()];
    this.#watched.clear();
    await Promise.all(all.map((w) => w.reflector.stop()));
  }
}
