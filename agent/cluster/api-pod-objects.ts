// PodObjects over the API server, with the node's own credentials: ConfigMaps and Secrets watched
// per referenced object (object-watches.ts), service-account tokens from TokenRequest
// (token-manager.ts), and every Service from one list+watch (for service environment variables).
import type { ConfigMap, Secret } from "../api/config-objects.ts";
import type { Pod } from "../api/pod.ts";
import type { Service } from "../api/service.ts";
import type { ServiceEnvSource } from "../container/service-env.ts";
import type { Logger } from "../log.ts";
import type { PodObjects, TokenRequestSpec } from "../pod/pod-objects.ts";
import { podReferences } from "../pod/pod-references.ts";
import type { ApiClient } from "./api-client.ts";
import { ObjectWatches } from "./object-watches.ts";
import { Reflector } from "./reflector.ts";
import { TokenManager } from "./token-manager.ts";

export interface ApiPodObjectsOptions {
  client: ApiClient;
  log: Logger;
  /** How long a read waits for a first list (default 10 s). */
  syncTimeoutMs?: number;
  now?: () => number;
}

export type PodObjectsListener = (podUids: string[]) => void;

export class ApiPodObjects implements PodObjects {
  readonly #configMaps: ObjectWatches<ConfigMap>;
  readonly #secrets: ObjectWatches<Secret>;
  readonly #tokens: TokenManager;
  readonly #services: Reflector<Service>;
  readonly #listeners: PodObjectsListener[] = [];
  readonly #syncTimeoutMs: number;
  readonly #registered = new Set<string>();

  constructor(opts: ApiPodObjectsOptions) {
    const log = opts.log;
    this.#syncTimeoutMs = opts.syncTimeoutMs ?? 10_000;
    const onChange = (uids: string[], namespace: string, name: string) => {
      log.debug({ namespace, name, pods: uids.length }, "referenced object changed");
      for (const l of this.#listeners) l(uids);
    };
    const common = { client: opts.client, log, syncTimeoutMs: this.#syncTimeoutMs, onChange };
    this.#configMaps = new ObjectWatches<ConfigMap>({ ...common, resource: "configmaps" });
    this.#secrets = new ObjectWatches<Secret>({ ...common, resource: "secrets" });
    this.#tokens = new TokenManager({ client: opts.client, log, ...(opts.now ? { now: opts.now } : {}) });
    this.#services = new Reflector<Service>({
      client: opts.client,
      path: "/api/v1/services",
      log,
      onChange: () => {},
    });
  }

  /** Starts the Services list+watch. ConfigMap/Secret watches start as pods refer to them. */
  start(): void {
    this.#services.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#configMaps.stop(), this.#secrets.stop(), this.#services.stop()]);
  }

  /** Called with the UIDs of the pods whose ConfigMaps/Secrets changed (wake their workers). */
  onChange(listener: PodObjectsListener): void {
    this.#listeners.push(listener);
  }

  /** Starts watching what the pod refers to (call when a pod is added or updated). */
  registerPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    const ns = pod.metadata.namespace ?? "default";
    this.#registered.add(uid);
    const refs = podReferences(pod);
    for (const name of refs.configMaps) this.#configMaps.ref(uid, ns, name);
    for (const name of refs.secrets) this.#secrets.ref(uid, ns, name);
  }

  /** The full set of pods the node runs: registers each, unregisters those no longer there. */
  async setPods(pods: readonly Pod[]): Promise<void> {
    const uids = new Set(pods.map((p) => p.metadata.uid ?? ""));
    for (const pod of pods) this.registerPod(pod);
    const gone = [...this.#registered].filter((uid) => !uids.has(uid));
    await Promise.all(gone.map((uid) => this.unregisterPod(uid)));
  }

  /** Objects watched now (ConfigMaps + Secrets), for tests and metrics. */
  get watchCount(): number {
    return this.#configMaps.size + this.#secrets.size;
  }

  /** The pod is gone: stop watching what only it used, drop its tokens. */
  async unregisterPod(uid: string): Promise<void> {
    this.#registered.delete(uid);
    this.#tokens.forgetPod(uid);
    await Promise.all([this.#configMaps.unrefPod(uid), this.#secrets.unrefPod(uid)]);
  }

  configMap(pod: Pod, name: string): Promise<ConfigMap | undefined> {
    return this.#configMaps.get(pod.metadata.uid ?? "", pod.metadata.namespace ?? "default", name);
  }

  secret(pod: Pod, name: string): Promise<Secret | undefined> {
    return this.#secrets.get(pod.metadata.uid ?? "", pod.metadata.namespace ?? "default", name);
  }

  serviceAccountToken(pod: Pod, spec: TokenRequestSpec): Promise<string> {
    return this.#tokens.token(pod, spec);
  }

  async services(): Promise<readonly ServiceEnvSource[]> {
    this.#services.start();
    if (!this.#services.synced) {
      let timer: NodeJS.Timeout | undefined;
      const synced = await Promise.race([
        this.#services.waitForSync().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), this.#syncTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!synced) {
        throw new Error(
          `services have not yet been read at least once, cannot construct envvars${this.#services.lastError ? `: ${this.#services.lastError}` : ""}`,
        );
      }
    }
    return [...this.#services.store.values()].map(serviceEnvSource);
  }
}

export function serviceEnvSource(s: Service): ServiceEnvSource {
  return {
    name: s.metadata.name ?? "",
    namespace: s.metadata.namespace ?? "default",
    clusterIP: s.spec.clusterIP ?? "",
    ports: (s.spec.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      ...(p.protocol ? { protocol: p.protocol } : {}),
    })),
  };
}
