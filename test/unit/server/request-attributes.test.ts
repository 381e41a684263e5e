import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kubeletRoute } from "../../../agent/server/kubelet-api-routes.ts";
import {
  forbiddenMessage,
  isSubpath,
  nodeRequestAttributes,
} from "../../../agent/server/request-attributes.ts";

const subresources = (method: string, path: string) =>
  nodeRequestAttributes(method, path, "n1").map((a) => a.subresource);

describe("nodeRequestAttributes", () => {
  it("maps the HTTP method to the API verb", () => {
    const verb = (m: string) => nodeRequestAttributes(m, "/pods", "n1")[0]!.verb;
    assert.deepEqual(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map(verb), [
      "get",
      "create",
      "update",
      "patch",
      "delete",
      "",
    ]);
  });

  it("names the node as a `nodes` resource of the core v1 API", () => {
    const [a] = nodeRequestAttributes("GET", "/stats/summary", "worker-7");
    assert.deepEqual(a, {
      verb: "get",
      resource: "nodes",
      subresource: "stats",
      name: "worker-7",
      apiVersion: "v1",
      path: "/stats/summary",
    });
  });

  it("gives stats, metrics and logs their own subresource, alone", () => {
    assert.deepEqual(subresources("GET", "/stats"), ["stats"]);
    assert.deepEqual(subresources("GET", "/stats/summary"), ["stats"]);
    assert.deepEqual(subresources("GET", "/metrics"), ["metrics"]);
    assert.deepEqual(subresources("GET", "/metrics/probes"), ["metrics"]);
    assert.deepEqual(subresources("GET", "/metrics/cadvisor"), ["metrics"]);
    assert.deepEqual(subresources("GET", "/logs/"), ["log"]);
    assert.deepEqual(subresources("GET", "/logs/syslog"), ["log"]);
  });

  it("tries the fine-grained subresource, then proxy, for pods and healthz", () => {
    assert.deepEqual(subresources("GET", "/pods"), ["pods", "proxy"]);
    assert.deepEqual(subresources("GET", "/runningpods/"), ["pods", "proxy"]);
    assert.deepEqual(subresources("GET", "/healthz"), ["healthz", "proxy"]);
    assert.deepEqual(subresources("GET", "/configz"), ["configz", "proxy"]);
  });

  it("asks for proxy everywhere else, container logs and exec included", () => {
    assert.deepEqual(subresources("GET", "/containerLogs/default/p/c"), ["proxy"]);
    assert.deepEqual(subresources("POST", "/exec/default/p/c"), ["proxy"]);
    assert.deepEqual(subresources("GET", "/"), ["proxy"]);
    // A prefix is not a parent path.
    assert.deepEqual(subresources("GET", "/statsfoo"), ["proxy"]);
    assert.deepEqual(subresources("GET", "/podsx"), ["proxy"]);
  });

  it("isSubpath matches the path itself and what is below it", () => {
    assert.ok(isSubpath("/stats", "/stats"));
    assert.ok(isSubpath("/stats/", "/stats"));
    assert.ok(isSubpath("/stats/x", "/stats/"));
    assert.ok(!isSubpath("/stat", "/stats"));
    assert.ok(!isSubpath("/statsx", "/stats"));
  });
});

describe("forbiddenMessage", () => {
  it("names the user, verb, resource and every subresource tried", () => {
    assert.equal(
      forbiddenMessage("alice", nodeRequestAttributes("GET", "/pods", "n1")),
      "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])\n",
    );
    assert.equal(
      forbiddenMessage("bob", nodeRequestAttributes("POST", "/exec/a/b/c", "n1")),
      "Forbidden (user=bob, verb=create, resource=nodes, subresource(s)=[proxy])\n",
    );
  });
});

describe("kubeletRoute", () => {
  it("serves the read endpoints on GET (and HEAD) only", () => {
    assert.deepEqual(kubeletRoute("GET", "/healthz"), { kind: "healthz" });
    assert.deepEqual(kubeletRoute("GET", "/pods/"), { kind: "pods" });
    assert.deepEqual(kubeletRoute("HEAD", "/runningpods/"), { kind: "runningpods" });
    assert.deepEqual(kubeletRoute("GET", "/metrics"), { kind: "metrics" });
    assert.deepEqual(kubeletRoute("GET", "/metrics/probes"), { kind: "metricsProbes" });
    assert.deepEqual(kubeletRoute("GET", "/containerLogs/ns/p/c"), { kind: "containerLogs" });
    assert.deepEqual(kubeletRoute("POST", "/pods"), { kind: "methodNotAllowed" });
  });

  it("routes the streaming paths: sessions on GET and POST, /run on POST only", () => {
    assert.deepEqual(kubeletRoute("POST", "/exec/ns/p/c"), { kind: "streaming", stream: "exec" });
    assert.deepEqual(kubeletRoute("GET", "/exec/ns/p/uid/c"), { kind: "streaming", stream: "exec" });
    assert.deepEqual(kubeletRoute("GET", "/attach/ns/p/c"), { kind: "streaming", stream: "attach" });
    assert.deepEqual(kubeletRoute("POST", "/portForward/ns/p"), { kind: "streaming", stream: "portForward" });
    assert.deepEqual(kubeletRoute("POST", "/run/ns/p/c"), { kind: "streaming", stream: "run" });
    assert.deepEqual(kubeletRoute("GET", "/run/ns/p/c"), { kind: "methodNotAllowed" });
    assert.deepEqual(kubeletRoute("PUT", "/exec/ns/p/c"), { kind: "methodNotAllowed" });
    assert.deepEqual(kubeletRoute("GET", "/execute/ns/p/c"), { kind: "notFound" });
  });

  it("answers unserved kubelet paths with what is not implemented", () => {
    for (const [path, what] of [
      ["/cri/exec/abc", "CRI streaming"],
      ["/stats/summary", "stats"],
      ["/metrics/cadvisor", "cAdvisor"],
      ["/logs/", "node log files"],
    ] as const) {
      const r = kubeletRoute("POST", path);
      assert.equal(r.kind, "notImplemented", path);
      assert.match((r as { message: string }).message, new RegExp(`does not implement ${what}`));
    }
    assert.deepEqual(kubeletRoute("GET", "/runningpodsx"), { kind: "notFound" });
    assert.deepEqual(kubeletRoute("GET", "/nothing"), { kind: "notFound" });
  });
});
