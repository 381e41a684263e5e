// Reading what the runtime holds, grouped by pod UID: one snapshot (two list calls) for all pods,
// then the per-container details a decision needs. Finished containers never change, so their
// details are fetched once and cached until they are removed.
import type {
  ContainerStatus,
  ContainerSummary,
  Runtime,
  SandboxStatus,
  SandboxSummary,
} from "../../cri/runtime.ts";
import { coalesced } from "../coalesced.ts";
import type { Logger } from "../log.ts";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
} from "./labels.ts";
import type { ObservedContainer, ObservedPod, ObservedSandbox } from "./observed.ts";
import { emptyObservedPod, nanosToMs, toObservedSandbox } from "./observed.ts";

export interface RuntimeSnapshot {
  sandboxes: SandboxSummary[];
  containers: ContainerSummary[];
  takenAtMs: number;
}

/** Reads the termination message of a finished container (file, or log tail on error). */
export type TerminationMessageReader = (status: ContainerStatus) => Promise<string>;

export class RuntimeInspector {
  readonly #runtime: Runtime;
  readonly #log: Logger;
  readonly #readTerminationMessage: TerminationMessageReader;
  readonly #finished = new Map<string, ObservedContainer>();
  readonly #sandboxes = new Map<string, ObservedSandbox>();

  constructor(runtime: Runtime, log: Logger, readTerminationMessage: TerminationMessageReader) {
    this.#runtime = runtime;
    this.#log = log;
    this.#readTerminationMessage = readTerminationMessage;
  }

  /**
   * A listing of the runtime taken after this call began. Concurrent callers share one listing, so
   * many pods syncing at once cost two lists in flight, not two per pod.
   */
  readonly snapshot: () => Promise<RuntimeSnapshot> = coalesced(() => this.#list());

  async #list(): Promise<RuntimeSnapshot> {
    const [sandboxes, containers] = await Promise.all([
      this.#runtime.listPodSandboxes(),
      this.#runtime.listContainers(),
    ]);
    return { sandboxes, containers, takenAtMs: Date.now() };
  }

  /** Pod UIDs present in the runtime (sandboxes or containers carrying nodelet's labels). */
  static podUids(snapshot: RuntimeSnapshot): Set<string> {
    const uids = new Set<string>();
    for (const s of snapshot.sandboxes) if (s.labels[LABEL_POD_UID]) uids.add(s.labels[LABEL_POD_UID]);
    for (const c of snapshot.containers) if (c.labels[LABEL_POD_UID]) uids.add(c.labels[LABEL_POD_UID]);
    return uids;
  }

  /** Everything about one pod, from a fresh snapshot unless one is given. */
  async inspectPod(uid: string, snapshot?: RuntimeSnapshot): Promise<ObservedPod> {
    const snap = snapshot ?? (await this.snapshot());
    const pod = emptyObservedPod(uid);
    const sandboxes = snap.sandboxes.filter((s) => s.labels[LABEL_POD_UID] === uid);
    const containers = snap.containers.filter((c) => c.labels[LABEL_POD_UID] === uid);
    const [observedSandboxes, observedContainers] = await Promise.all([
      Promise.all(sandboxes.map((s) => this.#sandbox(s))),
      Promise.all(containers.map((c) => this.#container(c))),
    ]);
    pod.sandboxes = observedSandboxes
      .filter((s): s is ObservedSandbox => s !== undefined)
      .sort((a, b) => b.createdAtMs - a.createdAtMs || b.attempt - a.attempt);
    pod.containers = observedContainers
      .filter((c): c is ObservedContainer => c !== undefined)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
    return pod;
  }

  /** Drops cached details of containers and sandboxes that no longer exist. */
  prune(snapshot: RuntimeSnapshot): void {
    const containerIds = new Set(snapshot.containers.map((c) => c.id));
    for (const id of this.#finished.keys()) if (!containerIds.has(id)) this.#finished.delete(id);
    const sandboxIds = new Set(snapshot.sandboxes.map((s) => s.id));
    for (const id of this.#sandboxes.keys()) if (!sandboxIds.has(id)) this.#sandboxes.delete(id);
  }

  async #sandbox(summary: SandboxSummary): Promise<ObservedSandbox | undefined> {
    const cached = this.#sandboxes.get(summary.id);
    const ready = summary.state === "ready";
    if (cached && cached.ready === ready) return cached;
    let status: SandboxStatus | undefined;
    try {
      status = await this.#runtime.podSandboxStatus(summary.id);
    } catch (err) {
      this.#log.warn({ err, sandboxId: summary.id }, "sandbox status failed");
    }
    const observed = status
      ? toObservedSandbox(status)
      : toObservedSandbox({ ...summary, ip: "", additionalIps: [], network: "pod" });
    this.#sandboxes.set(summary.id, observed);
    return observed;
  }

  async #container(summary: ContainerSummary): Promise<ObservedContainer | undefined> {
    const cached = this.#finished.get(summary.id);
    if (cached) return cached;
    const status = await this.#runtime.containerStatus(summary.id);
    if (!status) return undefined;
    const observed = toObservedContainer(status);
    if (status.state === "exited") {
      observed.message = await this.#readTerminationMessage(status).catch(() => status.message);
      this.#finished.set(summary.id, observed);
    }
    return observed;
  }
}

export function toObservedContainer(s: ContainerStatus): ObservedContainer {
  const restart = Number.parseInt(s.annotations[ANNOTATION_RESTART_COUNT] ?? "", 10);
  return {
    id: s.id,
    name: s.labels[LABEL_CONTAINER_NAME] ?? s.metadata.name,
    restartCount: Number.isNaN(restart) ? s.metadata.attempt : restart,
    state: s.state,
    createdAtMs: nanosToMs(s.createdAt),
    startedAtMs: nanosToMs(s.startedAt),
    finishedAtMs: nanosToMs(s.finishedAt),
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    image: s.image,
    imageRef: s.imageRef,
    hash: s.annotations[ANNOTATION_CONTAINER_HASH] ?? "",
    sandboxId: s.podSandboxId,
    annotations: s.annotations,
  };
}
