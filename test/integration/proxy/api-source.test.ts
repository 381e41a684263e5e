// ApiServiceSource against a real kube-apiserver (in-process, no kernel): what reaches the
// ProxyState from Services and EndpointSlices created with kubectl, and the rule that nothing is
// synced before both first lists arrived — here held back by a real authorization gap.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiClient } from "../../../agent/cluster/api-client.ts";
import { loadKubeconfig } from "../../../agent/cluster/kubeconfig.ts";
import { silentLogger } from "../../../agent/log.ts";
import { ApiServiceSource } from "../../../proxy/api-source.ts";
import { ProxyState } from "../../../proxy/state.ts";
import { type ControlPlaneHandle, startControlPlane } from "../../harness/control-plane.ts";

const NODE = "n1";
let cp: ControlPlaneHandle;
let client: ApiClient;
let state: ProxyState;
let source: ApiServiceSource;

async function until<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Ready endpoint IPs of the Service's first port in the model the syncer would program. */
const endpointIPs = (key: string) =>
  (state.takeChanges().model.get(key)?.[0]?.endpoints ?? [])
    .filter((e) => e.ready)
    .map((e) => e.ip)
    .sort();

before(async () => {
  cp = await startControlPlane();
  client = new ApiClient(loadKubeconfig(cp.nodeKubeconfig(NODE)));
  state = new ProxyState(NODE);
  source = new ApiServiceSource({
    client,
    state,
    log: silentLogger(),
    backoffMs: { initial: 100, max: 400 },
  });
});

after(async () => {
  await source?.stop();
  client?.close();
  await cp?.stop();
});

describe("Services and EndpointSlices from the API server", () => {
  it("is not synced while EndpointSlices cannot be listed (node identity alone), then is", async () => {
    source.start();
    await source.services.waitForSync();
    await until("a forbidden EndpointSlice list", () =>
      /forbidden/i.test(source.endpointSlices.lastError ?? ""),
    );
    assert.equal(state.isSynced(), false, "Services alone must not let the proxy program rules");
    // What an operator does for a node agent that also proxies: kube-proxy's own ClusterRole.
    await cp.kubectl([
      "create",
      "clusterrolebinding",
      "nodelet-proxier",
      "--clusterrole=system:node-proxier",
      `--user=system:node:${NODE}`,
    ]);
    await until("both first lists", () => state.isSynced());
    assert.ok(state.services().some((s) => s.metadata.name === "kubernetes"));
  });

  it("follows Services and EndpointSlices created, changed and deleted with kubectl", async () => {
    await cp.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "web", namespace: "default" },
            spec: { clusterIP: "10.96.50.50", ports: [{ port: 80, targetPort: 8080 }] },
          },
          {
            apiVersion: "discovery.k8s.io/v1",
            kind: "EndpointSlice",
            metadata: {
              name: "web-1",
              namespace: "default",
              labels: { "kubernetes.io/service-name": "web" },
            },
            addressType: "IPv4",
            endpoints: [
              { addresses: ["10.244.1.2"], conditions: { ready: true } },
              { addresses: ["10.244.2.2"], conditions: { ready: true } },
            ],
            ports: [{ name: "", port: 8080, protocol: "TCP" }],
          },
        ],
      }),
    });
    const ips = () => endpointIPs("default/web");
    await until("two endpoints", () => ips().length === 2);
    assert.deepEqual(ips(), ["10.244.1.2", "10.244.2.2"]);

    await cp.kubectl([
      "patch",
      "endpointslice",
      "web-1",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/endpoints/1/conditions/ready","value":false}]',
    ]);
    await until("one ready endpoint", () => ips().length === 1);
    assert.deepEqual(ips(), ["10.244.1.2"]);

    await cp.kubectl(["delete", "service", "web"]);
    await until("the Service gone", () => !state.services().some((s) => s.metadata.name === "web"));
  });

  it("ignores objects labelled for another proxy", async () => {
    await cp.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "other",
          namespace: "default",
          labels: { "service.kubernetes.io/service-proxy-name": "someone-else" },
        },
        spec: { ports: [{ port: 80 }] },
      }),
    });
    await cp.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "marker", namespace: "default" },
        spec: { ports: [{ port: 80 }] },
      }),
    });
    // Watch events arrive in order: once the later Service is seen, the earlier one was judged.
    await until("the marker Service", () => state.services().some((s) => s.metadata.name === "marker"));
    assert.equal(
      state.services().some((s) => s.metadata.name === "other"),
      false,
    );
  });
});
