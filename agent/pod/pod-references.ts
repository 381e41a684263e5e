// Pure: the ConfigMaps and Secrets a pod refers to (volumes, projected sources, env, envFrom,
// imagePullSecrets) — what the node may read for it, and what to watch while it runs.
import type { Container, Pod } from "../api/pod.ts";

export interface PodReferences {
  configMaps: string[];
  secrets: string[];
}

export function podReferences(pod: Pod): PodReferences {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  for (const c of containers) {
    const refs = containerReferences(c);
    for (const n of refs.configMaps) configMaps.add(n);
    for (const n of refs.secrets) secrets.add(n);
  }
  for (const s of pod.spec.imagePullSecrets ?? []) if (s.name) secrets.add(s.name);
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort() };
}

/** The ConfigMaps and Secrets one container's environment reads. */
export function containerReferences(c: Container): PodReferences {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
    if (from.secretRef?.name) secrets.add(from.secretRef.name);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort() };
}
