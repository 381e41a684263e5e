// From manifest objects to the static pods of this node: validation (each problem reported once with
// the file, document and field), upstream defaults, static identity. Objects that are not Pods are
// handed on (Services and EndpointSlices go to the proxy).
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import { applyPodDefaults } from "../manifest/defaults.ts";
import { validatePod } from "../manifest/validate.ts";
import type { ManifestObject } from "./manifest-parse.ts";
import { formatManifestError } from "./manifest-parse.ts";
import { toStaticPod } from "./static-pod.ts";

export interface StaticPodsResult {
  pods: Pod[];
  /** Manifest objects of other kinds, in directory order. */
  others: ManifestObject[];
}

type Verdict = { pod: Pod } | { rejected: string[] };

export class StaticPods {
  readonly #nodeName: string;
  readonly #log: Logger;
  /** Validation is done once per parsed object (the directory cache keeps object identity). */
  readonly #verdicts = new WeakMap<ManifestObject, Verdict>();

  constructor(nodeName: string, log: Logger) {
    this.#nodeName = nodeName;
    this.#log = log;
  }

  fromObjects(objects: ManifestObject[]): StaticPodsResult {
    const pods: Pod[] = [];
    const others: ManifestObject[] = [];
    const names = new Map<string, string>();
    for (const o of objects) {
      const kind = (o.object as { kind?: unknown } | null)?.kind;
      if (kind !== "Pod") {
        others.push(o);
        continue;
      }
      const verdict = this.#verdict(o);
      if (!("pod" in verdict)) continue;
      const key = `${verdict.pod.metadata.namespace}/${verdict.pod.metadata.name}`;
      const first = names.get(key);
      if (first !== undefined) {
        if (first !== o.file) {
          this.#log.error(
            { file: o.file, document: o.index },
            formatManifestError({
              file: o.file,
              index: o.index,
              field: "metadata.name",
              reason: `pod ${key} is already defined in ${first}; this one is ignored`,
            }),
          );
        }
        continue;
      }
      names.set(key, o.file);
      pods.push(verdict.pod);
    }
    return { pods, others };
  }

  #verdict(o: ManifestObject): Verdict {
    const cached = this.#verdicts.get(o);
    if (cached) return cached;
    const { pod, errors } = validatePod(o.object);
    let verdict: Verdict;
    if (!pod || errors.length > 0) {
      const messages = errors.map((e) =>
        formatManifestError({ file: o.file, index: o.index, field: e.field, reason: e.reason }),
      );
      for (const m of messages)
        this.#log.error({ file: o.file, document: o.index }, `invalid pod manifest: ${m}`);
      verdict = { rejected: messages };
    } else {
      verdict = { pod: toStaticPod(applyPodDefaults(pod), this.#nodeName, o.file, new Date().toISOString()) };
    }
    this.#verdicts.set(o, verdict);
    return verdict;
  }
}
