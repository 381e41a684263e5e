// The cluster half of `nodelet run --kubeconfig`: pods from the API merged with static pods, their
// statuses written back, mirror pods for static pods. Built by the daemon and fed by it.
import type { Pod, PodStatus } from "../api/pod.ts";
import type { EventRecorder } from "../events/recorder.ts";
import { type AdmissionNode, rejectedStatus } from "../pod/admission.ts";
import { AdmissionGate } from "./admission-gate.ts";
import type { Kubelet, PodStatusUpdate } from "../kubelet.ts";
import type { Logger } from "../log.ts";
import type { ApiClient } from "./api-client.ts";
import { MirrorPods } from "./mirror-pods.ts";
import { PodSources } from "./pod-sources.ts";
import { PodStatusWriter } from "./status-writer.ts";

export interface ClusterModeOptions {
  client: ApiClient;
  nodeName: string;
  kubelet: Kubelet;
  log: Logger;
  /** The registered Node's name and uid (mirror pods are owned by it); undefined until registered. */
  node(): { name: string; uid: string } | undefined;
  /** ConfigMaps/Secrets/tokens for volumes and env: told which pods refer to what. */
  podObjects?: { setPods(pods: readonly Pod[]): Promise<void> } | undefined;
  /** The node as pod admission sees it (undefined until known); absent: every pod is admitted. */
  admissionNode?: () => AdmissionNode | undefined;
  events?: EventRecorder;
}

const MIRROR_RESYNC_MS = 10_000;
/** How soon new pods waiting for the node to be known are looked at again. */
const ADMISSION_RETRY_MS = 200;

export class ClusterMode {
  readonly sources: PodSources;
  readonly writer: PodStatusWriter;
  readonly #mirrors: MirrorPods;
  #timer: NodeJS.Timeout | undefined;
  #admissionRetry: NodeJS.Timeout | undefined;
  readonly #gate: AdmissionGate | undefined;

  constructor(o: ClusterModeOptions) {
    const log = o.log.child({ component: "admission" });
    this.#gate = o.admissionNode
      ? new AdmissionGate(o.admissionNode, (pod, result) => {
          const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
          log.warn({ pod: name, reason: result.reason }, `pod ${name} rejected: ${result.message}`);
          o.events?.event(pod, "Warning", result.reason, result.message);
          this.writer.update({
            uid: pod.metadata.uid ?? "",
            pod,
            status: rejectedStatus(pod, result) as PodStatus,
          });
        })
      : undefined;
    this.writer = new PodStatusWriter({
      client: o.client,
      log: o.log.child({ component: "status" }),
      target: (pod) => this.sources.statusTarget(pod),
    });
    this.#mirrors = new MirrorPods({
      client: o.client,
      log: o.log.child({ component: "mirror-pods" }),
      node: o.node,
    });
    this.sources = new PodSources({
      client: o.client,
      nodeName: o.nodeName,
      log: o.log.child({ component: "api-pods" }),
      onPods: (all) => {
        const pods = this.#gate ? this.#gate.filter(all) : all;
        if (this.#gate?.waiting) this.#retryAdmission();
        o.kubelet.setPods(pods);
        void o.podObjects?.setPods(pods);
        this.#reconcileMirrors();
      },
      onApiChange: (pod) => {
        if (pod) this.writer.recheck(pod.metadata.namespace ?? "default", pod.metadata.name ?? "");
        else this.writer.recheck();
      },
    });
  }

  start(): void {
    this.sources.start();
    this.#timer = setInterval(() => this.#reconcileMirrors(), MIRROR_RESYNC_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#admissionRetry) clearTimeout(this.#admissionRetry);
    this.writer.stop();
    await this.sources.stop();
  }

  setStaticPods(pods: Pod[]): void {
    this.sources.setStaticPods(pods);
  }

  onStatus(update: PodStatusUpdate): void {
    this.writer.update(update);
  }

  #retryAdmission(): void {
    if (this.#admissionRetry) return;
    this.#admissionRetry = setTimeout(() => {
      this.#admissionRetry = undefined;
      this.sources.resend();
    }, ADMISSION_RETRY_MS);
    this.#admissionRetry.unref();
  }

  #reconcileMirrors(): void {
    if (!this.sources.reflector.synced) return;
    this.#mirrors.reconcile(
      () => this.sources.staticPods(),
      () => this.sources.mirrorPods(),
    );
  }
}
