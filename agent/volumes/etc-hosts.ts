// The /etc/hosts file the kubelet writes for each pod that is not on the host network.
import { writeFile } from "node:fs/promises";
import type { HostAlias, Pod } from "../api/pod.ts";
import { etcHostsPath } from "./volume-paths.ts";

export interface EtcHostsOptions {
  podIP?: string;
  /** All pod IPs (dual stack); podIP is used when absent. */
  podIPs?: string[];
  hostname: string;
  /** `<subdomain>.<namespace>.svc.<clusterDomain>` when the pod has a subdomain. */
  hostDomain?: string;
  hostAliases?: HostAlias[];
}

/** Pure: the file's content, line for line as upstream writes it. */
export function renderEtcHosts(opts: EtcHostsOptions): string {
  let out =
    "# Kubernetes-managed hosts file.\n" +
    "127.0.0.1\tlocalhost\n" +
    "::1\tlocalhost ip6-localhost ip6-loopback\n" +
    "fe00::0\tip6-localnet\n" +
    "fe00::0\tip6-mcastprefix\n" +
    "fe00::1\tip6-allnodes\n" +
    "fe00::2\tip6-allrouters\n";
  const ips = opts.podIPs ?? (opts.podIP ? [opts.podIP] : []);
  for (const ip of ips) {
    out += opts.hostDomain
      ? `${ip}\t${opts.hostname}.${opts.hostDomain}\t${opts.hostname}\n`
      : `${ip}\t${opts.hostname}\n`;
  }
  const aliases = opts.hostAliases ?? [];
  if (aliases.length > 0) {
    out += "\n# Entries added by HostAliases.\n";
    for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join("\t")}\n`;
  }
  return out;
}

/**
 * Writes `<podDir>/etc-hosts` and returns its path. Written in place (not renamed over) so that
 * running containers, which bind-mount the file, see the new content.
 */
export async function writeEtcHosts(podDir: string, opts: EtcHostsOptions): Promise<string> {
  const path = etcHostsPath(podDir);
  await writeFile(path, renderEtcHosts(opts), { mode: 0o644 });
  return path;
}

/** Pure: the pod's hostname (spec.hostname or the pod name, at most 63 chars) and DNS domain. */
export function podHostnameAndDomain(
  pod: Pod,
  clusterDomain = "cluster.local",
): { hostname: string; hostDomain?: string } {
  let hostname = pod.spec.hostname || pod.metadata.name || "";
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, "");
  const sub = pod.spec.subdomain;
  if (!sub) return { hostname };
  return { hostname, hostDomain: `${sub}.${pod.metadata.namespace ?? "default"}.svc.${clusterDomain}` };
}
