// Service and EndpointSlice manifests from the manifests directory, fed to the proxy's standalone
// source as changes: each directory snapshot is compared with the previous one by object identity
// (namespace/kind/name) and content.
import type { Logger } from "../log.ts";
import type { StandaloneServiceSource } from "../../proxy/standalone.ts";
import type { ManifestObject } from "./manifest-parse.ts";
import { formatManifestError } from "./manifest-parse.ts";

interface Known {
  kind: "Service" | "EndpointSlice";
  namespace: string;
  name: string;
  text: string;
}

export class ManifestServices {
  readonly #source: StandaloneServiceSource;
  readonly #log: Logger;
  #known = new Map<string, Known>();
  #synced = false;
  readonly #reported = new WeakSet<ManifestObject>();

  constructor(source: StandaloneServiceSource, log: Logger) {
    this.#source = source;
    this.#log = log;
  }

  /** The non-Pod objects of one complete directory snapshot. */
  apply(objects: ManifestObject[]): void {
    const next = new Map<string, Known>();
    for (const o of objects) {
      const obj = o.object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
      const kind = obj?.kind;
      if (kind !== "Service" && kind !== "EndpointSlice") {
        this.#reportOnce(
          o,
          "kind",
          `unsupported kind ${JSON.stringify(kind)}: expected Pod, Service or EndpointSlice`,
        );
        continue;
      }
      const namespace = typeof obj?.metadata?.namespace === "string" ? obj.metadata.namespace : "default";
      const name = typeof obj?.metadata?.name === "string" ? obj.metadata.name : "";
      const key = `${kind}/${namespace}/${name}`;
      if (next.has(key)) {
        this.#reportOnce(
          o,
          "metadata.name",
          `${kind} ${namespace}/${name} is defined twice; this one is ignored`,
        );
        continue;
      }
      const text = JSON.stringify(obj);
      next.set(key, { kind, namespace, name, text });
      if (this.#known.get(key)?.text === text) continue;
      const origin = `${o.file} (document ${o.index + 1})`;
      if (kind === "Service") this.#source.applyService(obj, origin);
      else this.#source.applyEndpointSlice(obj, origin);
    }
    for (const [key, k] of this.#known) {
      if (next.has(key)) continue;
      if (k.kind === "Service") this.#source.removeService(k.namespace, k.name);
      else this.#source.removeEndpointSlice(k.namespace, k.name);
    }
    this.#known = next;
    if (!this.#synced) {
      this.#synced = true;
      this.#source.markSynced();
    }
  }

  #reportOnce(o: ManifestObject, field: string, reason: string): void {
    if (this.#reported.has(o)) return;
    this.#reported.add(o);
    this.#log.error(
      { file: o.file, document: o.index },
      formatManifestError({ file: o.file, index: o.index, field, reason }),
    );
  }
}
