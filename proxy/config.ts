// KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1): the fields nodelet applies.
import { parseDuration } from "../agent/config/duration.ts";
import { parse } from "yaml";
import type { ProxyMode } from "./backend.ts";

export interface KubeProxyConfig {
  mode?: ProxyMode;
  clusterCIDR?: string;
  nodePortAddresses?: string[];
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  ipvsScheduler?: string;
  healthzBindAddress?: string;
  metricsBindAddress?: string;
  hostnameOverride?: string;
}

export function parseKubeProxyConfiguration(text: string): KubeProxyConfig {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== "object") throw new Error("KubeProxyConfiguration: not a YAML mapping");
  if (doc.kind !== "KubeProxyConfiguration")
    throw new Error(`KubeProxyConfiguration: unexpected kind ${doc.kind}`);
  if (doc.apiVersion !== "kubeproxy.config.k8s.io/v1alpha1")
    throw new Error(`KubeProxyConfiguration: unsupported apiVersion ${doc.apiVersion}`);
  const out: KubeProxyConfig = {};
  const mode = doc.mode;
  if (mode !== undefined && mode !== "") {
    if (mode !== "nftables" && mode !== "iptables" && mode !== "ipvs")
      throw new Error(`KubeProxyConfiguration: mode ${JSON.stringify(mode)} is not supported`);
    out.mode = mode;
  }
  if (typeof doc.clusterCIDR === "string" && doc.clusterCIDR !== "")
    out.clusterCIDR = doc.clusterCIDR.split(",")[0]!;
  if (Array.isArray(doc.nodePortAddresses)) out.nodePortAddresses = doc.nodePortAddresses.map(String);
  const section =
    (out.mode && (doc[out.mode] as Record<string, unknown>)) || (doc.iptables as Record<string, unknown>);
  const sync = section ?? {};
  if (typeof sync.minSyncPeriod === "string") out.minSyncPeriodMs = parseDuration(sync.minSyncPeriod);
  if (typeof sync.syncPeriod === "string") out.syncPeriodMs = parseDuration(sync.syncPeriod);
  const ipvs = doc.ipvs as Record<string, unknown> | undefined;
  if (typeof ipvs?.scheduler === "string" && ipvs.scheduler !== "") out.ipvsScheduler = ipvs.scheduler;
  if (typeof doc.healthzBindAddress === "string") out.healthzBindAddress = doc.healthzBindAddress;
  if (typeof doc.metricsBindAddress === "string") out.metricsBindAddress = doc.metricsBindAddress;
  if (typeof doc.hostnameOverride === "string" && doc.hostnameOverride)
    out.hostnameOverride = doc.hostnameOverride;
  return out;
}
