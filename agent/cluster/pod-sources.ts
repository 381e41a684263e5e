// The pods of this node in cluster mode: those the API binds to it (list+watch with
// fieldSelector spec.nodeName) merged with the static pods of the manifests directory. Nothing is
// handed to the kubelet until both sources delivered a complete view, so no pod is ever stopped
// because of a partial list. Mirror pods in the API are the static pods' reflections, not pods to run.
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import { ANNOTATION_CONFIG_SOURCE } from "../sources/static-pod.ts";
import type { ApiClient } from "./api-client.ts";
import { isMirrorPod } from "./mirror-pods.ts";
import { objectKey, Reflector } from "./reflector.ts";
import type { StatusTarget } from "./status-writer.ts";

export interface PodSourcesOptions {
  client: ApiClient;
  nodeName: string;
  log: Logger;
  /** The merged desired set, each time it may have changed (only once both sources are complete). */
  onPods(pods: Pod[]): void;
  /** A pod of the node changed in the API (mirror pods included); none given after a full list. */
  onApiChange?(pod: Pod | undefined): void;
}

export class PodSources {
  readonly #o: PodSourcesOptions;
  readonly #reflector: Reflector<Pod>;
  #staticPods: Pod[] | undefined;
  #scheduled = false;

  constructor(options: PodSourcesOptions) {
    this.#o = options;
    this.#reflector = new Reflector<Pod>({
      client: options.client,
      path: "/api/v1/pods",
      fieldSelector: `spec.nodeName=${options.nodeName}`,
      log: options.log,
      onChange: (_store, change) => {
        this.#schedule();
        this.#o.onApiChange?.(change.type === "sync" ? undefined : change.object);
      },
    });
  }

  get reflector(): Reflector<Pod> {
    return this.#reflector;
  }

  start(): void {
    this.#reflector.start();
  }

  stop(): Promise<void> {
    return this.#reflector.stop();
  }

  /** A complete snapshot of the static pods (from the manifests directory). */
  setStaticPods(pods: Pod[]): void {
    this.#staticPods = pods;
    this.#schedule();
  }

  /** Hands the merged set to onPods again (soon, once both sources are complete). */
  resend(): void {
    this.#schedule();
  }

  staticPods(): readonly Pod[] {
    return this.#staticPods ?? [];
  }

  mirrorPods(): Pod[] {
    return [...this.#reflector.store.values()].filter(isMirrorPod);
  }

  /** Where the status of a pod goes: itself in the API, or the mirror of a static pod. */
  statusTarget(pod: Pod): StatusTarget | undefined {
    const api = this.#reflector.store.get(objectKey(pod.metadata));
    if (!api?.metadata.uid) return undefined;
    const isStatic = pod.metadata.annotations?.[ANNOTATION_CONFIG_SOURCE] === "file";
    if (isStatic ? !isMirrorPod(api) : api.metadata.uid !== pod.metadata.uid) return undefined;
    return {
      namespace: api.metadata.namespace ?? "default",
      name: api.metadata.name ?? "",
      uid: api.metadata.uid,
      status: api.status,
    };
  }

  /** Many watch events arrive in bursts: the merged set is computed once per tick. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#reflector.synced || this.#staticPods === undefined) return;
      const apiPods = [...this.#reflector.store.values()].filter((p) => !isMirrorPod(p));
      this.#o.onPods([...this.#staticPods, ...apiPods]);
    });
  }
}
