// Standalone Services: a Service manifest beside its pods gets a working virtual IP whose endpoints
// follow the pods' readiness, with no API server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import { execInNetns } from "../../harness/netns.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { controlGet, startNodelet } from "../../harness/nodelet.ts";

let ctd: ContainerdHandle;
let nodelet: NodeletHandle;

before(async () => {
  ctd = await startContainerd();
  nodelet = await startNodelet(ctd, {
    extraArgs: ["--proxy-mode", "nftables", "--proxy-healthz-bind-address", "127.0.0.1:10256"],
  });
});
after(async () => {
  await nodelet?.stop();
  await ctd?.stop();
});

/** A web pod answering its own name; `unreadyAfter` seconds later its readiness endpoint disappears. */
function webPod(name: string, unreadyAfter?: number): string {
  const flip = unreadyAfter === undefined ? "" : `sleep ${unreadyAfter}; rm /www/ready; `;
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "mkdir -p /www && echo ${name} > /www/index.html && touch /www/ready && httpd -p 8080 -h /www && ${flip}exec sleep 3600"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
`;
}

async function get(url: string): Promise<string> {
  // (busybox-static's wget -T crashes; the exec timeout bounds the request instead)
  const r = await execInNetns(ctd.netns, ["busybox", "wget", "-qO-", url], { timeoutMs: 3000 });
  return r.code === 0 ? r.stdout.trim() : `error ${r.code}: ${r.stderr.trim()}`;
}

describe("standalone Services", () => {
  it("sends ClusterIP connections to every ready pod and drops a pod that turns unready", async () => {
    nodelet.writeManifest("web-a.yaml", webPod("web-a"));
    nodelet.writeManifest("web-b.yaml", webPod("web-b"));
    nodelet.writeManifest("web-c.yaml", webPod("web-c", 12));
    nodelet.writeManifest(
      "svc.yaml",
      `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: 10.96.0.50
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`,
    );
    await nodelet.waitFor(
      "3 ready web pods",
      (pods) =>
        pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
          .length === 3,
    );
    // A real node has a default route; this namespace only knows the pod bridge until we add one.
    const route = await execInNetns(ctd.netns, ["ip", "route", "replace", "default", "dev", "nl0"]);
    assert.equal(route.code, 0, route.stderr);
    await sleep(1500); // the proxy syncs at most once per minSyncPeriod (1 s)
    const seen = new Map<string, number>();
    for (let i = 0; i < 30 && seen.size < 3; i++) {
      const body = await get("http://10.96.0.50/");
      seen.set(body, (seen.get(body) ?? 0) + 1);
      if (body.startsWith("error")) await sleep(200);
    }
    assert.deepEqual([...seen.keys()].filter((k) => !k.startsWith("error")).sort(), [
      "web-a",
      "web-b",
      "web-c",
    ]);

    await nodelet.waitFor("web-c unready", (pods) =>
      pods.some(
        (p) =>
          p.metadata.name === "web-c-test-node" &&
          p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "False"),
      ),
    );
    await sleep(1500); // one proxy sync (minSyncPeriod 1 s)
    const after = new Set<string>();
    for (let i = 0; i < 20; i++) after.add(await get("http://10.96.0.50/"));
    assert.deepEqual([...after].sort(), ["web-a", "web-b"]);
    const metrics = await controlGet(nodelet.rootDir, "/metrics/probes");
    assert.match(
      metrics,
      /prober_probe_total\{[^}]*probe_type="Readiness"[^}]*result="failed"[^}]*pod="web-c-test-node"[^}]*\} [1-9]/,
    );
    assert.match(
      metrics,
      /prober_probe_total\{[^}]*probe_type="Readiness"[^}]*result="successful"[^}]*pod="web-a-test-node"[^}]*\} [1-9]/,
    );
    const healthz = await execInNetns(ctd.netns, [
      "busybox",
      "wget",
      "-qO-",
      "http://127.0.0.1:10256/healthz",
    ]);
    assert.equal(healthz.code, 0, "proxy healthz answers while rules are synced");
  });

  it("rejects connections to a Service with no endpoints instead of timing out", async () => {
    nodelet.writeManifest(
      "lonely.yaml",
      `apiVersion: v1
kind: Service
metadata: {name: lonely}
spec:
  clusterIP: 10.96.0.60
  selector: {app: nobody}
  ports: [{port: 80, targetPort: 8080}]
`,
    );
    await sleep(1500);
    const t0 = Date.now();
    const r = await get("http://10.96.0.60/");
    assert.match(r, /^error/);
    assert.ok(Date.now() - t0 < 1500, "refused at once");
  });

  it("reports a bad Service manifest and keeps serving the others", async () => {
    nodelet.writeManifest(
      "bad-svc.yaml",
      `apiVersion: v1
kind: Service
metadata: {name: bad}
spec:
  clusterIP: 192.168.1.1
  ports: [{port: 99999}]
`,
    );
    await sleep(1500);
    const errors = nodelet.logLines().filter((l) => l.msg === "invalid Service manifest ignored");
    assert.ok(
      errors.some((l) => String(l.origin).includes("bad-svc.yaml")),
      "the bad manifest is reported with its file",
    );
    assert.match(await get("http://10.96.0.50/"), /^web-[ab]$/);
  });
});
