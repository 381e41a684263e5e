// The API objects a pod's volumes, environment and image pulls read: ConfigMaps, Secrets,
// service-account tokens and the Services for service links. In cluster mode they come from the
// API server (agent/cluster/api-pod-objects.ts); a standalone node has none of them.
import type { ConfigMap, Secret } from "../api/config-objects.ts";
import type { Pod } from "../api/pod.ts";
import type { ServiceEnvSource } from "../container/service-env.ts";

export interface TokenRequestSpec {
  serviceAccountName: string;
  /** Empty: the API server's own audiences. */
  audience: string;
  expirationSeconds: number;
}

export interface PodObjects {
  /**
   * The ConfigMap in the pod's namespace; undefined when it does not exist. Rejects when that
   * cannot be known (API unreachable, cache not synced, no API server at all).
   */
  configMap(pod: Pod, name: string): Promise<ConfigMap | undefined>;
  secret(pod: Pod, name: string): Promise<Secret | undefined>;
  /** A token bound to the pod (TokenRequest), cached until it is due for refresh. */
  serviceAccountToken(pod: Pod, spec: TokenRequestSpec): Promise<string>;
  /** Every Service the node knows (for service environment variables). Rejects before the first list. */
  services(): Promise<readonly ServiceEnvSource[]>;
}

/** Upstream wording of the not-found error ("configmap \"x\" not found"). */
export function notFoundMessage(kind: "configmap" | "secret", name: string): string {
  return `${kind} ${JSON.stringify(name)} not found`;
}

/** Standalone mode: there is no API server to read these objects from. */
export class StandaloneObjects implements PodObjects {
  configMap(pod: Pod, name: string): Promise<ConfigMap | undefined> {
    return Promise.reject(noApi(pod, `configMap ${JSON.stringify(name)}`));
  }
  secret(pod: Pod, name: string): Promise<Secret | undefined> {
    return Promise.reject(noApi(pod, `secret ${JSON.stringify(name)}`));
  }
  serviceAccountToken(pod: Pod, spec: TokenRequestSpec): Promise<string> {
    return Promise.reject(
      noApi(pod, `a token for service account ${JSON.stringify(spec.serviceAccountName)}`),
    );
  }
  services(): Promise<readonly ServiceEnvSource[]> {
    return Promise.resolve([]);
  }
}

function noApi(pod: Pod, what: string): Error {
  return new Error(
    `cannot get ${what} in namespace ${JSON.stringify(pod.metadata.namespace ?? "default")}: ` +
      "nodelet runs without an API server (standalone mode)",
  );
}
