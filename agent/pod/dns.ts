// The resolver configuration a pod gets, per dnsPolicy, as the kubelet computes it.
import type { Pod } from "../api/pod.ts";
import type { DnsConfig } from "../../cri/runtime.ts";

export interface ClusterDns {
  /** Cluster DNS server addresses (KubeletConfiguration clusterDNS). */
  servers: string[];
  clusterDomain: string;
  /** The host's resolv.conf, used by dnsPolicy Default and as the search base. */
  host: DnsConfig;
}

const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): DnsConfig {
  const cfg: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const [key, ...values] = raw
      .replace(/[#;].*$/, "")
      .trim()
      .split(/\s+/);
    if (key === "nameserver" && values[0]) cfg.servers.push(values[0]);
    else if (key === "search" || key === "domain") cfg.searches = values.filter(Boolean);
    else if (key === "options") cfg.options.push(...values.filter(Boolean));
  }
  return cfg;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const byName = new Map(base.map((o) => [o.split(":")[0]!, o]));
  for (const o of extra) byName.set(o.name, o.value === undefined ? o.name : `${o.name}:${o.value}`);
  return [...byName.values()];
}

/** Undefined means "use the runtime's default" (never returned today; kept for hostNetwork runtimes). */
export function podDnsConfig(pod: Pod, dns: ClusterDns): DnsConfig {
  let policy = pod.spec.dnsPolicy ?? "ClusterFirst";
  if (policy === "ClusterFirst" && pod.spec.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  // Without cluster DNS servers the kubelet falls back to the host's resolver.
  if (policy === "ClusterFirst" && dns.servers.length === 0) policy = "Default";

  let cfg: DnsConfig;
  if (policy === "None") cfg = { servers: [], searches: [], options: [] };
  else if (policy === "Default") cfg = { ...dns.host };
  else {
    const ns = pod.metadata.namespace ?? "default";
    const domain = dns.clusterDomain;
    cfg = {
      servers: [...dns.servers],
      searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...dns.host.searches],
      options: ["ndots:5"],
    };
  }
  const extra = pod.spec.dnsConfig;
  if (extra) {
    cfg = {
      servers: unique([...cfg.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...cfg.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(cfg.options, extra.options ?? []),
    };
  }
  return { ...cfg, searches: unique(cfg.searches).slice(0, MAX_SEARCHES) };
}
