// The Service proxy in cluster mode: the kernel backend from the configuration, fed by the API
// server's Services and EndpointSlices. Used beside the kubelet half (`nodelet run --kubeconfig`)
// and alone (`nodelet proxy --kubeconfig`).
import { ApiServiceSource } from "../../proxy/api-source.ts";
import { type ProxyHandle, startProxy } from "../../proxy/start.ts";
import type { NodeletConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import { detectHostIP } from "../node-facts.ts";
import { proxyStartOptions } from "../proxy-wiring.ts";
import { ApiClient } from "./api-client.ts";
import { loadKubeconfig } from "./kubeconfig.ts";

export interface ClusterProxy {
  handle: ProxyHandle;
  source: ApiServiceSource;
  stop(): Promise<void>;
}

/**
 * Starts the backend and the API watches; returns at once (rules follow once both first lists
 * arrived). `undefined` when config.proxyMode is "none". `nodeIPs` are the addresses NodePorts
 * answer on (narrowed further by config.nodePortAddresses). The client stays the caller's.
 */
export async function startClusterProxy(
  config: NodeletConfig,
  client: ApiClient,
  nodeIPs: string[],
  log: Logger,
): Promise<ClusterProxy | undefined> {
  if (config.proxyMode === "none") return undefined;
  const handle = await startProxy(proxyStartOptions(config, config.proxyMode, nodeIPs, log));
  const source = new ApiServiceSource({
    client,
    state: handle.state,
    log: log.child({ component: "services" }),
  });
  source.start();
  void source.waitForSync().then(() => log.info("first lists of Services and EndpointSlices arrived"));
  return {
    handle,
    source,
    async stop() {
      await source.stop();
      await handle.stop();
    },
  };
}

/** `nodelet proxy --kubeconfig FILE`: the proxy alone with its own API connection. */
export async function startApiProxy(config: NodeletConfig, log: Logger): Promise<{ stop(): Promise<void> }> {
  const conn = loadKubeconfig(config.kubeconfig);
  const client = new ApiClient(conn, "nodelet-proxy");
  const proxy = await startClusterProxy(config, client, [detectHostIP(config.nodeIP)], log);
  if (!proxy) {
    client.close();
    throw new Error("proxy mode none: nothing to run");
  }
  log.info(
    { apiServer: conn.describe, mode: config.proxyMode },
    "nodelet proxy running against the API server",
  );
  return {
    async stop() {
      await proxy.stop();
      client.close();
    },
  };
}
