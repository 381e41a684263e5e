// Service-account tokens bound to pods, from the TokenRequest API, cached per
// (pod, service account, audience, lifetime) and requested again when due (token-refresh.ts).
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import type { TokenRequestSpec } from "../pod/pod-objects.ts";
import type { ApiClient } from "./api-client.ts";
import { type IssuedToken, MAX_REFRESH_JITTER_MS, tokenExpired, tokenNeedsRefresh } from "./token-refresh.ts";

interface TokenRequestResponse {
  spec?: { expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

interface Cached extends IssuedToken {
  token: string;
  podUid: string;
}

export interface TokenManagerOptions {
  client: ApiClient;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

export class TokenManager {
  readonly #o: TokenManagerOptions;
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(opts: TokenManagerOptions) {
    this.#o = opts;
  }

  async token(pod: Pod, spec: TokenRequestSpec): Promise<string> {
    const ns = pod.metadata.namespace ?? "default";
    const uid = pod.metadata.uid ?? "";
    const key = JSON.stringify([
      ns,
      spec.serviceAccountName,
      pod.metadata.name,
      uid,
      spec.audience,
      spec.expirationSeconds,
    ]);
    const now = this.#now();
    const cached = this.#cache.get(key);
    const jitter = (this.#o.random ?? Math.random)() * MAX_REFRESH_JITTER_MS;
    if (cached && !tokenNeedsRefresh(cached, now, jitter)) return cached.token;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#request(pod, ns, spec)
        .then((t) => {
          this.#cache.set(key, { ...t, podUid: uid });
          return t.token;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    try {
      return await pending;
    } catch (err) {
      if (cached && !tokenExpired(cached, this.#now())) {
        this.#o.log.warn(
          { err, pod: `${ns}/${pod.metadata.name}` },
          "token refresh failed; the current token is still valid",
        );
        return cached.token;
      }
      throw err;
    }
  }

  /** Drops the tokens of a pod that is gone. */
  forgetPod(uid: string): void {
    for (const [k, v] of this.#cache) if (v.podUid === uid) this.#cache.delete(k);
  }

  async #request(pod: Pod, ns: string, spec: TokenRequestSpec): Promise<Cached & { token: string }> {
    const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(spec.serviceAccountName)}/token`;
    let res: TokenRequestResponse;
    try {
      res = await this.#o.client.create<TokenRequestResponse>(path, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          ...(spec.audience ? { audiences: [spec.audience] } : {}),
          expirationSeconds: spec.expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid },
        },
      });
    } catch (err) {
      throw new Error(
        `failed to fetch token for service account ${JSON.stringify(spec.serviceAccountName)}: ${(err as Error).message}`,
      );
    }
    const token = res.status?.token;
    const expiresAtMs = Date.parse(res.status?.expirationTimestamp ?? "");
    if (!token || Number.isNaN(expiresAtMs)) {
      throw new Error(
        `TokenRequest for service account ${JSON.stringify(spec.serviceAccountName)} returned no token`,
      );
    }
    return {
      token,
      expiresAtMs,
      expirationSeconds: res.spec?.expirationSeconds ?? spec.expirationSeconds,
      podUid: pod.metadata.uid ?? "",
    };
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}
