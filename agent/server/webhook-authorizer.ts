// Authorization through the API server (SubjectAccessReview), as the kubelet's Webhook mode: answers
// cached per user and attributes, allowed ones for 5 min and denied ones for 30 s by default.
import type { NodeRequestAttributes } from "./request-attributes.ts";
import type { ReviewClient } from "./token-authenticator.ts";
import { TtlCache } from "./ttl-cache.ts";
import type { UserInfo } from "./user-info.ts";

export interface Decision {
  allowed: boolean;
  reason: string;
}

interface SubjectAccessReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface WebhookAuthorizerOptions {
  client: ReviewClient;
  allowedTtlMs: number;
  deniedTtlMs: number;
  now?: () => number;
}

export function subjectAccessReviewSpec(user: UserInfo, a: NodeRequestAttributes) {
  return {
    user: user.username,
    groups: user.groups,
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.extra ? { extra: user.extra } : {}),
    resourceAttributes: {
      namespace: "",
      verb: a.verb,
      group: "",
      version: a.apiVersion,
      resource: a.resource,
      subresource: a.subresource,
      name: a.name,
    },
  };
}

export class SubjectAccessReviewAuthorizer {
  readonly #o: WebhookAuthorizerOptions;
  readonly #cache: TtlCache<Decision>;

  constructor(o: WebhookAuthorizerOptions) {
    this.#o = o;
    this.#cache = new TtlCache(4096, o.now);
  }

  /** Rejects when the API server cannot be asked (nothing is cached then). */
  async authorize(user: UserInfo, attrs: NodeRequestAttributes): Promise<Decision> {
    const spec = subjectAccessReviewSpec(user, attrs);
    const key = JSON.stringify(spec);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const review = await this.#o.client.create<{ status?: SubjectAccessReviewStatus }>(
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec },
    );
    const s = review.status ?? {};
    const decision: Decision = {
      allowed: s.allowed === true && s.denied !== true,
      reason: s.reason ?? s.evaluationError ?? "",
    };
    this.#cache.set(key, decision, decision.allowed ? this.#o.allowedTtlMs : this.#o.deniedTtlMs);
    return decision;
  }
}
