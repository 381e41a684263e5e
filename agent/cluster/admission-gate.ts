// Which API pods this node runs: each new pod is admitted once (oldest first) against the node's
// allocatable, labels, taints and pressure; a rejected pod never runs and is reported Failed with
// the reason. Pods already started or finished (seen again after a nodelet restart) and static pods
// are not judged again. New pods wait (neither run nor rejected) while the node is not known yet.
import type { Pod } from "../api/pod.ts";
import { isTerminalPhase } from "../pod/phase.ts";
import { type AdmissionNode, type AdmissionResult, admitInOrder } from "../pod/admission.ts";
import { ANNOTATION_CONFIG_SOURCE } from "../sources/static-pod.ts";

export type Rejection = Extract<AdmissionResult, { admit: false }>;

export class AdmissionGate {
  readonly #node: () => AdmissionNode | undefined;
  readonly #onReject: (pod: Pod, result: Rejection) => void;
  readonly #admitted = new Map<string, Pod>();
  readonly #rejected = new Set<string>();
  #waiting = 0;

  constructor(node: () => AdmissionNode | undefined, onReject: (pod: Pod, result: Rejection) => void) {
    this.#node = node;
    this.#onReject = onReject;
  }

  /** The pods to run out of the complete desired set. */
  filter(pods: readonly Pod[]): Pod[] {
    const live = new Set(pods.map((p) => p.metadata.uid ?? ""));
    for (const uid of this.#admitted.keys()) if (!live.has(uid)) this.#admitted.delete(uid);
    for (const uid of this.#rejected) if (!live.has(uid)) this.#rejected.delete(uid);
    const fresh: Pod[] = [];
    for (const p of pods) {
      const uid = p.metadata.uid ?? "";
      if (this.#admitted.has(uid) || this.#rejected.has(uid)) continue;
      const known =
        p.metadata.annotations?.[ANNOTATION_CONFIG_SOURCE] === "file" ||
        p.status?.startTime !== undefined ||
        isTerminalPhase(p.status?.phase);
      if (known) this.#admitted.set(uid, p);
      else fresh.push(p);
    }
    const node = fresh.length > 0 ? this.#node() : undefined;
    this.#waiting = node ? 0 : fresh.length;
    if (node) {
      const running = [...this.#admitted.values()].filter((p) => !isTerminalPhase(p.status?.phase));
      const { admitted, rejected } = admitInOrder(fresh, { node, admitted: running });
      for (const p of admitted) this.#admitted.set(p.metadata.uid ?? "", p);
      for (const { pod, result } of rejected) {
        this.#rejected.add(pod.metadata.uid ?? "");
        this.#onReject(pod, result);
      }
    }
    return pods.filter((p) => this.#admitted.has(p.metadata.uid ?? ""));
  }

  /** New pods the last filter() could not judge because the node was not known yet. */
  get waiting(): number {
    return this.#waiting;
  }
}
