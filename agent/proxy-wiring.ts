// The Service proxy beside the kubelet half in standalone mode: Service/EndpointSlice manifests from
// the manifests directory, endpoints from the pods this node runs and their readiness.
import type { NodeletConfig } from "./config/config.ts";
import type { PodView } from "./kubelet.ts";
import type { Logger } from "./log.ts";
import type { ManifestObject } from "./sources/manifest-parse.ts";
import { ManifestServices } from "./sources/manifest-services.ts";
import { startProxy } from "../proxy/start.ts";
import { StandaloneServiceSource } from "../proxy/standalone.ts";

export interface StandaloneProxy {
  /** The non-Pod objects of each complete manifests snapshot. */
  setObjects(objects: ManifestObject[]): void;
  /** Pods changed (added, removed, readiness): endpoints follow, coalesced per tick. */
  podsChanged(): void;
  stop(): Promise<void>;
}

/** The proxy backend's options from nodelet's configuration (standalone and cluster mode alike). */
export function proxyStartOptions(
  config: NodeletConfig,
  mode: Exclude<NodeletConfig["proxyMode"], "none">,
  nodeIPs: string[],
  log: Logger,
): Parameters<typeof startProxy>[0] {
  return {
    mode,
    nodeName: config.nodeName,
    nodeIPs,
    ...(config.clusterCIDR ? { clusterCIDR: config.clusterCIDR } : {}),
    serviceCIDR: config.serviceClusterIPRange,
    minSyncPeriodMs: config.proxyMinSyncPeriodMs,
    syncPeriodMs: config.proxySyncPeriodMs,
    nodePortAddresses: config.nodePortAddresses,
    healthzBind: config.proxyHealthzBindAddress,
    metricsBind: config.proxyMetricsBindAddress,
    logger: log,
  };
}

function isReady(v: PodView): boolean {
  return v.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

export async function startStandaloneProxy(
  config: NodeletConfig,
  nodeIP: string,
  pods: () => PodView[],
  log: Logger,
): Promise<StandaloneProxy | undefined> {
  if (config.proxyMode === "none") return undefined;
  const handle = await startProxy(proxyStartOptions(config, config.proxyMode, [nodeIP], log));
  const source = new StandaloneServiceSource(
    handle.state,
    config.serviceClusterIPRange,
    log.child({ component: "services" }),
  );
  const services = new ManifestServices(source, log.child({ component: "manifests" }));
  let scheduled = false;
  return {
    setObjects: (objects) => services.apply(objects),
    podsChanged() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        source.setPods(
          pods().map((v) => ({
            pod: v.pod,
            ready: isReady(v),
            nodeName: config.nodeName,
            ...(v.status.podIP ? { ip: v.status.podIP } : {}),
          })),
        );
      });
    },
    stop: () => handle.stop(),
  };
}
