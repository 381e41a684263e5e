// Turns a reflector's view (full lists and single events) into upserts and removals, each object
// passed on once per resourceVersion: a re-list after a watch expiry re-delivers nothing that did
// not change and removes what vanished meanwhile.
import type { ObjectMeta } from "../agent/api/meta.ts";

export interface MirrorTarget<T> {
  upsert(obj: T): void;
  remove(namespace: string, name: string): void;
}

interface Meta {
  metadata: ObjectMeta;
}

function keyOf(meta: ObjectMeta): string {
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

export class StoreMirror<T extends Meta> {
  readonly #target: MirrorTarget<T>;
  /** Key → resourceVersion last passed on, with the name parts for removal. */
  readonly #seen = new Map<string, { rv: string; namespace: string; name: string }>();

  constructor(target: MirrorTarget<T>) {
    this.#target = target;
  }

  /** A complete list replaced the store. */
  sync(objects: Iterable<T>): void {
    const present = new Set<string>();
    for (const obj of objects) {
      present.add(keyOf(obj.metadata));
      this.upsert(obj);
    }
    for (const [key, s] of this.#seen) {
      if (present.has(key)) continue;
      this.#seen.delete(key);
      this.#target.remove(s.namespace, s.name);
    }
  }

  upsert(obj: T): void {
    const key = keyOf(obj.metadata);
    const rv = obj.metadata.resourceVersion ?? "";
    const prev = this.#seen.get(key);
    if (prev && rv !== "" && prev.rv === rv) return;
    this.#seen.set(key, { rv, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" });
    this.#target.upsert(obj);
  }

  remove(obj: T): void {
    const key = keyOf(obj.metadata);
    if (!this.#seen.delete(key)) return;
    this.#target.remove(obj.metadata.namespace ?? "", obj.metadata.name ?? "");
  }
}
