// List+watch of one collection, kept as a local store: a full list, then a watch resumed from the
// last resourceVersion seen (bookmarks included) for as long as the server allows; a re-list only
// when the server says the version is too old (410). Transport failures retry with back-off and
// never clear the store, so consumers never act on a partial view.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.ts";
import { ApiError, type ApiClient, type ApiStatus, WATCH_TIMEOUT_SECONDS, withQuery } from "./api-client.ts";
import type { ObjectMeta } from "../api/meta.ts";

export interface ListedObject {
  metadata: ObjectMeta;
}

interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

export type ReflectorChange<T> = { type: "sync" } | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T };

export interface ReflectorOptions<T> {
  client: ApiClient;
  /** Collection path, e.g. /api/v1/pods or /apis/discovery.k8s.io/v1/endpointslices. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  log: Logger;
  /** After every full list ("sync": the store was replaced) and every watch event. */
  onChange(store: ReadonlyMap<string, T>, change: ReflectorChange<T>): void;
  /** Back-off bounds for failed lists/watches (default 800 ms → 30 s). */
  backoffMs?: { initial: number; max: number };
  pageSize?: number;
}

export function objectKey(meta: ObjectMeta): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : (meta.name ?? "");
}

export class Reflector<T extends ListedObject> {
  readonly #o: ReflectorOptions<T>;
  readonly #store = new Map<string, T>();
  readonly #abort = new AbortController();
  #resourceVersion = "";
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #lastError: string | undefined;
  #running: Promise<void> | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, expired: 0, failures: 0 };

  constructor(options: ReflectorOptions<T>) {
    this.#o = options;
  }

  get store(): ReadonlyMap<string, T> {
    return this.#store;
  }

  /** True once a first full list has arrived (stays true across later failures). */
  get synced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const initial = this.#o.backoffMs?.initial ?? 800;
    const max = this.#o.backoffMs?.max ?? 30_000;
    let delay = initial;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#list();
          needList = false;
        }
        const outcome = await this.#watch();
        if (outcome === "expired") {
          this.stats.expired++;
          this.#o.log.info({ path: this.#o.path }, "watch expired (410): re-listing");
          needList = true;
        }
        this.#lastError = undefined;
        delay = initial;
      } catch (err) {
        if (signal.aborted) break;
        this.stats.failures++;
        if (err instanceof ApiError && err.status === 410) {
          needList = true;
          continue;
        }
        this.#lastError = (err as Error).message;
        this.#o.log.warn(
          { path: this.#o.path, err: this.#lastError, retryInMs: delay },
          `list/watch of ${this.#o.path} failed: ${this.#lastError}`,
        );
        await sleep(delay * (0.8 + Math.random() * 0.4), undefined, { signal }).catch(() => {});
        delay = Math.min(max, delay * 2);
      }
    }
  }

  #query(extra: Record<string, string | number | boolean | undefined>): string {
    return withQuery(this.#o.path, {
      fieldSelector: this.#o.fieldSelector,
      labelSelector: this.#o.labelSelector,
      ...extra,
    });
  }

  async #list(): Promise<void> {
    this.stats.lists++;
    const items = new Map<string, T>();
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.#o.client.get<List<T>>(
        this.#query({ limit: this.#o.pageSize ?? 500, continue: cont }),
        { signal: this.#abort.signal },
      );
      for (const item of page.items ?? []) items.set(objectKey(item.metadata), item);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    this.#store.clear();
    for (const [k, v] of items) this.#store.set(k, v);
    this.#resourceVersion = rv;
    this.#o.onChange(this.#store, { type: "sync" });
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  /** One watch request; "expired" when the server answered 410 for our resourceVersion. */
  async #watch(): Promise<"ended" | "expired"> {
    this.stats.watches++;
    const timeout = Math.round(WATCH_TIMEOUT_SECONDS * (0.5 + Math.random() * 0.5));
    const path = this.#query({
      watch: 1,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: timeout,
    });
    let expired = false;
    let failure: ApiError | undefined;
    const local = new AbortController();
    const onAbort = () => local.abort();
    this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#o.client.watch<T | ApiStatus>(
        path,
        (ev) => {
          if (expired || failure) return;
          if (ev.type === "ERROR") {
            const st = ev.object as ApiStatus;
            if (st.code === 410) expired = true;
            else
              failure = new ApiError(
                st.code ?? 500,
                st.reason ?? "Unknown",
                `watch ${this.#o.path}: ${st.message ?? "error event"}`,
              );
            local.abort();
            return;
          }
          const obj = ev.object as T;
          const rv = obj.metadata?.resourceVersion;
          if (rv) this.#resourceVersion = rv;
          if (ev.type === "BOOKMARK") return;
          const key = objectKey(obj.metadata);
          if (ev.type === "DELETED") this.#store.delete(key);
          else this.#store.set(key, obj);
          this.#o.onChange(this.#store, { type: ev.type, object: obj });
        },
        local.signal,
      );
    } finally {
      this.#abort.signal.removeEventListener("abort", onAbort);
    }
    if (failure) throw failure;
    return expired ? "expired" : "ended";
  }
}
