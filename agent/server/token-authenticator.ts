// Bearer token authentication through the API server (TokenReview), answers cached for a while
// (the kubelet's authentication.webhook.cacheTTL, 2 min by default) keyed by a hash of the token.
import { createHash } from "node:crypto";
import { TtlCache } from "./ttl-cache.ts";
import { type UserInfo, withAuthenticatedGroup } from "./user-info.ts";

/** What of the API client a review needs (ApiClient has it). */
export interface ReviewClient {
  create<T>(path: string, body: unknown): Promise<T>;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

export interface TokenAuthenticatorOptions {
  client: ReviewClient;
  cacheTtlMs: number;
  now?: () => number;
}

export class TokenReviewAuthenticator {
  readonly #client: ReviewClient;
  readonly #ttlMs: number;
  readonly #cache: TtlCache<UserInfo | null>;

  constructor(o: TokenAuthenticatorOptions) {
    this.#client = o.client;
    this.#ttlMs = o.cacheTtlMs;
    this.#cache = new TtlCache(4096, o.now);
  }

  /** The token's user, or undefined when the API server does not accept it. Rejects when it cannot be asked. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const review = await this.#client.create<{ status?: TokenReviewStatus }>(
      "/apis/authentication.k8s.io/v1/tokenreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    );
    const s = review.status ?? {};
    const user =
      s.authenticated && s.user?.username
        ? withAuthenticatedGroup({
            username: s.user.username,
            groups: s.user.groups ?? [],
            ...(s.user.uid ? { uid: s.user.uid } : {}),
            ...(s.user.extra ? { extra: s.user.extra } : {}),
          })
        : undefined;
    this.#cache.set(key, user ?? null, this.#ttlMs);
    return user;
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m?.[1];
}
