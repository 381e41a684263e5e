// Mirror pods: the API's read-only copy of each static pod, so `kubectl get pods` shows it. The
// decisions are pure (which to create, which to delete); MirrorPods applies them and is re-run
// whenever static pods or the node's API pods change, so a deleted mirror pod comes back.
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import { ANNOTATION_CONFIG_HASH } from "../sources/static-pod.ts";
import type { ApiClient } from "./api-client.ts";
import { isApiError } from "./api-client.ts";
import { objectKey } from "./reflector.ts";

export const ANNOTATION_CONFIG_MIRROR = "kubernetes.io/config.mirror";

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR] !== undefined;
}

/** The mirror pod object for a static pod (owned by the Node, as NodeRestriction requires). */
export function mirrorPodFor(staticPod: Pod, node: { name: string; uid: string }): Pod {
  const { uid: _uid, resourceVersion: _rv, ...metadata } = staticPod.metadata;
  const hash = staticPod.metadata.annotations?.[ANNOTATION_CONFIG_HASH] ?? staticPod.metadata.uid ?? "";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...metadata,
      annotations: { ...(metadata.annotations ?? {}), [ANNOTATION_CONFIG_MIRROR]: hash },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid, controller: true }],
    },
    spec: staticPod.spec,
  } as Pod;
}

export interface MirrorPlan {
  create: Pod[];
  delete: Pod[];
}

/**
 * Mirror pods to create (static pod without a current mirror) and to delete (no static pod, an
 * outdated hash, or a mirror being deleted by someone — it is recreated once gone).
 */
export function planMirrorPods(staticPods: readonly Pod[], mirrors: readonly Pod[]): MirrorPlan {
  const wanted = new Map(staticPods.map((p) => [objectKey(p.metadata), p]));
  const existing = new Map(mirrors.map((p) => [objectKey(p.metadata), p]));
  const plan: MirrorPlan = { create: [], delete: [] };
  for (const [k, m] of existing) {
    const s = wanted.get(k);
    const hash = s?.metadata.annotations?.[ANNOTATION_CONFIG_HASH] ?? s?.metadata.uid;
    // A mirror being deleted gracefully has nobody else to finish its deletion: grace 0 does.
    if (!s || m.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR] !== hash || m.metadata.deletionTimestamp) {
      plan.delete.push(m);
    }
  }
  for (const [k, s] of wanted) {
    if (!existing.has(k)) plan.create.push(s);
  }
  return plan;
}

export interface MirrorPodsOptions {
  client: ApiClient;
  log: Logger;
  /** The Node object's name and uid, once registered. */
  node(): { name: string; uid: string } | undefined;
}

export class MirrorPods {
  readonly #o: MirrorPodsOptions;
  #running = false;
  #again = false;

  constructor(options: MirrorPodsOptions) {
    this.#o = options;
  }

  /** Reconciles; concurrent calls collapse into one more pass. */
  reconcile(staticPods: () => readonly Pod[], mirrors: () => readonly Pod[]): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void (async () => {
      do {
        this.#again = false;
        await this.#apply(planMirrorPods(staticPods(), mirrors()));
      } while (this.#again);
      this.#running = false;
    })();
  }

  async #apply(plan: MirrorPlan): Promise<void> {
    const node = this.#o.node();
    for (const m of plan.delete) {
      try {
        await this.#o.client.delete(`/api/v1/namespaces/${m.metadata.namespace}/pods/${m.metadata.name}`, {
          apiVersion: "v1",
          kind: "DeleteOptions",
          gracePeriodSeconds: 0,
          preconditions: { uid: m.metadata.uid },
        });
        this.#o.log.info({ pod: objectKey(m.metadata) }, "outdated mirror pod deleted");
      } catch (err) {
        if (!isApiError(err, 404) && !isApiError(err, 409))
          this.#o.log.warn(
            { pod: objectKey(m.metadata), err: (err as Error).message },
            "cannot delete mirror pod",
          );
      }
    }
    if (!node) return;
    for (const s of plan.create) {
      try {
        await this.#o.client.create(
          `/api/v1/namespaces/${s.metadata.namespace ?? "default"}/pods`,
          mirrorPodFor(s, node),
        );
        this.#o.log.info({ pod: objectKey(s.metadata) }, "mirror pod created");
      } catch (err) {
        if (isApiError(err, 409)) continue; // exists (our watch has not seen it yet)
        this.#o.log.warn(
          { pod: objectKey(s.metadata), err: (err as Error).message },
          `cannot create mirror pod ${objectKey(s.metadata)}: ${(err as Error).message}`,
        );
      }
    }
  }
}
