import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { silentLogger } from "../../../agent/log.ts";
import { KubeletApiAuth } from "../../../agent/server/kubelet-api-auth.ts";
import { nodeRequestAttributes } from "../../../agent/server/request-attributes.ts";
import { bearerToken, TokenReviewAuthenticator } from "../../../agent/server/token-authenticator.ts";
import { SubjectAccessReviewAuthorizer } from "../../../agent/server/webhook-authorizer.ts";
import { userFromClientCertificate } from "../../../agent/server/x509-authenticator.ts";

const log = silentLogger();
// biome-ignore lint/suspicious/noExplicitAny: review bodies as JSON
type Json = any;

/** A fake API server: records the reviews and answers them with `answer`. */
function reviewClient(answer: (path: string, body: Record<string, Json>) => unknown) {
  const calls: { path: string; body: Record<string, Json> }[] = [];
  return {
    calls,
    async create<T>(path: string, body: unknown): Promise<T> {
      calls.push({ path, body: body as Record<string, Json> });
      return answer(path, body as Record<string, Json>) as T;
    },
  };
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const ALICE = { username: "alice", groups: ["dev", "system:authenticated"] };

describe("TokenReviewAuthenticator", () => {
  it("asks the API server with a TokenReview and returns its user, with system:authenticated", async () => {
    const api = reviewClient(() => ({
      status: {
        authenticated: true,
        user: { username: "system:serviceaccount:ns:sa", uid: "u1", groups: ["g"] },
      },
    }));
    const auth = new TokenReviewAuthenticator({ client: api, cacheTtlMs: 120_000 });
    assert.deepEqual(await auth.authenticate("tok"), {
      username: "system:serviceaccount:ns:sa",
      uid: "u1",
      groups: ["g", "system:authenticated"],
    });
    assert.equal(api.calls[0]!.path, "/apis/authentication.k8s.io/v1/tokenreviews");
    assert.deepEqual(api.calls[0]!.body.spec, { token: "tok" });
  });

  it("caches answers, accepted and refused, for the TTL; errors are not cached", async () => {
    const c = clock();
    let fail = false;
    const api = reviewClient((_p, body) => {
      if (fail) throw new Error("API down");
      return { status: { authenticated: body.spec.token === "good", user: { username: "bob" } } };
    });
    const auth = new TokenReviewAuthenticator({ client: api, cacheTtlMs: 120_000, now: c.now });
    assert.equal((await auth.authenticate("good"))?.username, "bob");
    assert.equal(await auth.authenticate("bad"), undefined);
    c.advance(119_000);
    assert.equal((await auth.authenticate("good"))?.username, "bob");
    assert.equal(await auth.authenticate("bad"), undefined);
    assert.equal(api.calls.length, 2);
    c.advance(2_000);
    fail = true;
    await assert.rejects(auth.authenticate("good"), /API down/);
    fail = false;
    assert.equal((await auth.authenticate("good"))?.username, "bob");
    assert.equal(api.calls.length, 4);
  });

  it("bearerToken reads the Authorization header", () => {
    assert.equal(bearerToken("Bearer abc.def"), "abc.def");
    assert.equal(bearerToken("bearer   xyz "), "xyz");
    assert.equal(bearerToken("Basic dXNlcjpwdw=="), undefined);
    assert.equal(bearerToken("Bearer "), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe("SubjectAccessReviewAuthorizer", () => {
  const attrs = nodeRequestAttributes("GET", "/containerLogs/ns/p/c", "n1")[0]!;

  it("sends the user and the node's resource attributes", async () => {
    const api = reviewClient(() => ({ status: { allowed: true } }));
    const authz = new SubjectAccessReviewAuthorizer({ client: api, allowedTtlMs: 1, deniedTtlMs: 1 });
    assert.deepEqual(await authz.authorize({ ...ALICE, uid: "42" }, attrs), { allowed: true, reason: "" });
    assert.equal(api.calls[0]!.path, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
    assert.deepEqual(api.calls[0]!.body.spec, {
      user: "alice",
      groups: ["dev", "system:authenticated"],
      uid: "42",
      resourceAttributes: {
        namespace: "",
        verb: "get",
        group: "",
        version: "v1",
        resource: "nodes",
        subresource: "proxy",
        name: "n1",
      },
    });
  });

  it("caches allowed answers for 5 min and denied ones for 30 s", async () => {
    const c = clock();
    let allowed = true;
    const api = reviewClient(() => ({ status: { allowed, reason: allowed ? "" : "no" } }));
    const authz = new SubjectAccessReviewAuthorizer({
      client: api,
      allowedTtlMs: 300_000,
      deniedTtlMs: 30_000,
      now: c.now,
    });
    const bob = { username: "bob", groups: [] };
    assert.equal((await authz.authorize(ALICE, attrs)).allowed, true);
    allowed = false;
    assert.deepEqual(await authz.authorize(bob, attrs), { allowed: false, reason: "no" });
    c.advance(29_000);
    assert.equal((await authz.authorize(ALICE, attrs)).allowed, true);
    assert.equal((await authz.authorize(bob, attrs)).allowed, false);
    assert.equal(api.calls.length, 2);
    allowed = true;
    c.advance(2_000);
    assert.equal((await authz.authorize(bob, attrs)).allowed, true, "the denial expired after 30 s");
    assert.equal(api.calls.length, 3);
    allowed = false;
    c.advance(268_000);
    assert.equal((await authz.authorize(ALICE, attrs)).allowed, true, "still cached at 4:59");
    c.advance(2_000);
    assert.equal((await authz.authorize(ALICE, attrs)).allowed, false, "asked again after 5 min");
  });

  it("an explicit denial wins over allowed", async () => {
    const api = reviewClient(() => ({ status: { allowed: true, denied: true } }));
    const authz = new SubjectAccessReviewAuthorizer({ client: api, allowedTtlMs: 0, deniedTtlMs: 0 });
    assert.equal((await authz.authorize(ALICE, attrs)).allowed, false);
  });
});

describe("userFromClientCertificate", () => {
  it("takes the user from CN and the groups from every O", () => {
    assert.deepEqual(
      userFromClientCertificate({
        subject: { CN: "kube-apiserver-kubelet-client", O: ["system:masters", "ops"] },
        ext_key_usage: ["1.3.6.1.5.5.7.3.2"],
      }),
      {
        username: "kube-apiserver-kubelet-client",
        groups: ["system:masters", "ops", "system:authenticated"],
      },
    );
    assert.deepEqual(userFromClientCertificate({ subject: { CN: "x", O: "one" } })?.groups, [
      "one",
      "system:authenticated",
    ]);
  });

  it("refuses certificates not meant for client authentication, or without a CN", () => {
    assert.equal(
      userFromClientCertificate({ subject: { CN: "web" }, ext_key_usage: ["1.3.6.1.5.5.7.3.1"] }),
      undefined,
    );
    assert.equal(userFromClientCertificate({ subject: { O: "g" } }), undefined);
  });
});

describe("KubeletApiAuth", () => {
  const request = (path: string, authorization?: string) =>
    ({
      method: "GET",
      url: path,
      headers: authorization ? { authorization } : {},
      socket: {},
    }) as unknown as IncomingMessage;

  function gate(o: { anonymous?: boolean; allow?: (user: string, subresource: string) => boolean | Error }) {
    const api = reviewClient((path, body) => {
      if (path.includes("tokenreviews")) {
        const t = body.spec.token as string;
        return {
          status: t.startsWith("user:") ? { authenticated: true, user: { username: t.slice(5) } } : {},
        };
      }
      const r = o.allow?.(body.spec.user, body.spec.resourceAttributes.subresource) ?? true;
      if (r instanceof Error) throw r;
      return { status: { allowed: r } };
    });
    const auth = new KubeletApiAuth({
      nodeName: "n1",
      x509: false,
      tokens: new TokenReviewAuthenticator({ client: api, cacheTtlMs: 0 }),
      anonymous: o.anonymous ?? false,
      authorizer: new SubjectAccessReviewAuthorizer({ client: api, allowedTtlMs: 0, deniedTtlMs: 0 }),
      log,
    });
    return { auth, api };
  }

  it("401 without credentials, unless anonymous requests are allowed", async () => {
    assert.deepEqual(await gate({}).auth.check(request("/pods"), "/pods"), {
      allowed: false,
      status: 401,
      message: "Unauthorized\n",
    });
    const anon = await gate({ anonymous: true }).auth.check(request("/pods"), "/pods");
    assert.equal(anon.allowed && anon.user.username, "system:anonymous");
  });

  it("a rejected token is a 401 even when anonymous requests are allowed", async () => {
    const r = await gate({ anonymous: true }).auth.check(request("/pods", "Bearer forged"), "/pods");
    assert.equal(r.allowed === false && r.status, 401);
  });

  it("allowed when any of the path's subresources is allowed (pods, else proxy)", async () => {
    const { auth, api } = gate({ allow: (_u, sub) => sub === "proxy" });
    const r = await auth.check(request("/pods", "Bearer user:carol"), "/pods");
    assert.equal(r.allowed && r.user.username, "carol");
    const asked = api.calls.filter((c) => c.path.includes("subjectaccessreviews"));
    assert.deepEqual(
      asked.map((c) => c.body.spec.resourceAttributes.subresource),
      ["pods", "proxy"],
    );
  });

  it("403 naming the user, verb, resource and subresources when refused", async () => {
    const r = await gate({ allow: () => false }).auth.check(
      request("/healthz", "Bearer user:dave"),
      "/healthz",
    );
    assert.deepEqual(r, {
      allowed: false,
      status: 403,
      message: "Forbidden (user=dave, verb=get, resource=nodes, subresource(s)=[healthz proxy])\n",
    });
  });

  it("500 when the authorizer cannot be asked", async () => {
    const r = await gate({ allow: () => new Error("down") }).auth.check(
      request("/containerLogs/a/b/c", "Bearer user:erin"),
      "/containerLogs/a/b/c",
    );
    assert.equal(r.allowed === false && r.status, 500);
    assert.match((r as { message: string }).message, /Authorization error \(user=erin, verb=get/);
  });
});
