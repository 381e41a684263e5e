// Reads what a container's environment needs from the API before buildEnv (which is synchronous):
// the ConfigMaps and Secrets its env/envFrom name, and the Services for service links. Objects that
// do not exist are simply absent (buildEnv decides, by `optional`); reads that fail are errors.
import type { Container, Pod } from "../api/pod.ts";
import type { PodObjects } from "../pod/pod-objects.ts";
import { containerReferences } from "../pod/pod-references.ts";
import type { DataLookup, EnvContext } from "./env.ts";
import { serviceEnvForPod } from "./service-env.ts";

export interface EnvSources {
  context: Pick<EnvContext, "configMaps" | "secrets" | "serviceEnv">;
  /** Reads that failed (the container cannot be configured: CreateContainerConfigError). */
  errors: string[];
}

export async function fetchEnvSources(
  objects: PodObjects | undefined,
  pod: Pod,
  container: Container,
): Promise<EnvSources> {
  if (objects === undefined) return { context: {}, errors: [] };
  const refs = containerReferences(container);
  const errors: string[] = [];
  const configMaps = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Record<string, string>>();
  await Promise.all([
    ...refs.configMaps.map(async (name) => {
      try {
        const cm = await objects.configMap(pod, name);
        if (cm) configMaps.set(name, { ...(cm.data ?? {}) });
      } catch (err) {
        errors.push((err as Error).message);
      }
    }),
    ...refs.secrets.map(async (name) => {
      try {
        const s = await objects.secret(pod, name);
        if (s) {
          const data: Record<string, string> = {};
          for (const [k, v] of Object.entries(s.data ?? {}))
            data[k] = Buffer.from(v, "base64").toString("utf8");
          secrets.set(name, data);
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
    }),
  ]);
  let serviceEnv: Record<string, string> = {};
  try {
    serviceEnv = serviceEnvForPod(
      await objects.services(),
      pod.metadata.namespace ?? "default",
      pod.spec.enableServiceLinks !== false,
    );
  } catch (err) {
    errors.push((err as Error).message);
  }
  const lookup =
    (m: Map<string, Record<string, string>>): DataLookup =>
    (_namespace, name) =>
      m.get(name);
  return {
    context: { configMaps: lookup(configMaps), secrets: lookup(secrets), serviceEnv },
    errors: errors.sort(),
  };
}
