// The kubelet API's gate: who is asking (client certificate, then bearer token, then anonymous if
// allowed), and whether they may (SubjectAccessReview on the node's attributes, or AlwaysAllow).
// Unauthenticated → 401 "Unauthorized"; refused → 403 naming user, verb, resource and subresources.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../log.ts";
import { forbiddenMessage, nodeRequestAttributes } from "./request-attributes.ts";
import { bearerToken, type TokenReviewAuthenticator } from "./token-authenticator.ts";
import { ANONYMOUS, type UserInfo } from "./user-info.ts";
import type { SubjectAccessReviewAuthorizer } from "./webhook-authorizer.ts";
import { authenticateClientCertificate } from "./x509-authenticator.ts";

export interface KubeletApiAuthOptions {
  nodeName: string;
  /** Client certificates are verified (a client CA is configured). */
  x509: boolean;
  /** Bearer tokens via TokenReview (authentication.webhook.enabled). */
  tokens?: TokenReviewAuthenticator;
  anonymous: boolean;
  /** Webhook mode; undefined = AlwaysAllow. */
  authorizer?: SubjectAccessReviewAuthorizer;
  log: Logger;
}

export type GateOutcome =
  | { allowed: true; user: UserInfo }
  | { allowed: false; status: 401 | 403 | 500; message: string };

export class KubeletApiAuth {
  readonly #o: KubeletApiAuthOptions;

  constructor(o: KubeletApiAuthOptions) {
    this.#o = o;
  }

  async check(req: IncomingMessage, path: string): Promise<GateOutcome> {
    const user = await this.authenticate(req);
    if (!user) return { allowed: false, status: 401, message: "Unauthorized\n" };
    const attrs = nodeRequestAttributes(req.method ?? "", path, this.#o.nodeName);
    const authorizer = this.#o.authorizer;
    if (!authorizer) return { allowed: true, user };
    for (const a of attrs) {
      try {
        const decision = await authorizer.authorize(user, a);
        if (decision.allowed) return { allowed: true, user };
      } catch (err) {
        this.#o.log.error(
          { err, user: user.username, verb: a.verb, subresource: a.subresource },
          `kubelet API: authorization error: ${(err as Error).message}`,
        );
        return {
          allowed: false,
          status: 500,
          message: `Authorization error (user=${user.username}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})\n`,
        };
      }
    }
    const message = forbiddenMessage(user.username, attrs);
    this.#o.log.debug({ user: user.username, path }, message.trim());
    return { allowed: false, status: 403, message };
  }

  /** Anonymous only when no credential was presented: a rejected one is a 401, as upstream. */
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    let presented = false;
    if (this.#o.x509) {
      const socket = req.socket as TLSSocket;
      const user = authenticateClientCertificate(socket);
      if (user) return user;
      presented = Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0;
    }
    const token = bearerToken(req.headers.authorization);
    if (token && this.#o.tokens) {
      presented = true;
      try {
        const user = await this.#o.tokens.authenticate(token);
        if (user) return user;
      } catch (err) {
        this.#o.log.error({ err }, `kubelet API: token review failed: ${(err as Error).message}`);
      }
    }
    return this.#o.anonymous && !presented ? ANONYMOUS : undefined;
  }
}
