// Renders kube-proxy's iptables layout: KUBE-SERVICES → KUBE-SVC-* (probability cascade, `recent`
// for ClientIP affinity) → KUBE-SEP-* (DNAT), KUBE-EXT-* for external traffic, KUBE-SVL-* for
// Local traffic policies, KUBE-MARK-MASQ / KUBE-POSTROUTING for masquerading (mark 0x4000),
// REJECT/DROP in the filter table for frontends without endpoints. Pure functions only.
import { shortHash } from "../hash.ts";
import {
  clusterEndpoints,
  type EndpointInfo,
  externalEndpoints,
  hasExternal,
  type ServicePortInfo,
  usableEndpoints,
} from "../model.ts";

export interface IptablesConfig {
  clusterCIDR?: string;
  nodePortCIDRs: string[];
}

/** One Service's share of the ruleset: its own chains plus its lines in the shared chains. */
export interface ServiceRules {
  /** KUBE-SVC/SVL/EXT/SEP chains of this Service: name → rule lines ("-A NAME …"). */
  natChains: Map<string, string[]>;
  natServices: string[];
  natNodePorts: string[];
  filterServices: string[];
  filterExternal: string[];
}

const chainName = (prefix: string, text: string) => `${prefix}-${shortHash(text, 16)}`;

function comment(text: string, withComments: boolean): string {
  return withComments ? ` -m comment --comment "${text}"` : "";
}

function probability(n: number): string {
  return (1 / n).toFixed(10);
}

export function serviceRules(
  ports: ServicePortInfo[],
  cfg: IptablesConfig,
  withComments: boolean,
): ServiceRules {
  const out: ServiceRules = {
    natChains: new Map(),
    natServices: [],
    natNodePorts: [],
    filterServices: [],
    filterExternal: [],
  };
  for (const sp of ports) addServicePort(out, sp, cfg, withComments);
  return out;
}

function addServicePort(out: ServiceRules, sp: ServicePortInfo, cfg: IptablesConfig, wc: boolean): void {
  const p = sp.protocol.toLowerCase();
  const name = sp.id.replace(/\/(TCP|UDP|SCTP)$/, "");
  const anyUsable = usableEndpoints(sp.endpoints).length > 0;
  const noEndpoints = anyUsable
    ? "-j DROP"
    : `-j REJECT${p === "tcp" ? " --reject-with tcp-reset" : " --reject-with icmp-port-unreachable"}`;
  const proto = `-p ${p} -m ${p}`;
  const svcChain = chainName("KUBE-SVC", sp.id);
  const svlChain = chainName("KUBE-SVL", sp.id);
  const extChain = chainName("KUBE-EXT", sp.id);
  const all = usableEndpoints(sp.endpoints);
  const cluster = clusterEndpoints(sp);
  const external = externalEndpoints(sp);
  const needsSvl = sp.internalLocal || sp.externalLocal;
  const sepOf = (e: EndpointInfo) => chainName("KUBE-SEP", `${sp.id}|${e.ip}:${e.port}`);
  const endpointChains = (chain: string, eps: EndpointInfo[], masqRule: string | null) => {
    const rules: string[] = [];
    if (masqRule) rules.push(masqRule);
    if (sp.affinitySeconds > 0) {
      for (const e of eps) {
        rules.push(
          `-A ${chain}${comment(`${name} -> ${e.ip}:${e.port}`, wc)} -m recent --name ${sepOf(e)} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sepOf(e)}`,
        );
      }
    }
    eps.forEach((e, i) => {
      const left = eps.length - i;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : "";
      rules.push(`-A ${chain}${comment(`${name} -> ${e.ip}:${e.port}`, wc)}${stat} -j ${sepOf(e)}`);
    });
    out.natChains.set(chain, rules);
  };
  const clusterMasq =
    cfg.clusterCIDR && sp.clusterIP
      ? `-A ${svcChain}${comment(`${name} cluster IP`, wc)} ${proto} -d ${sp.clusterIP}/32 --dport ${sp.port} ! -s ${cfg.clusterCIDR} -j KUBE-MARK-MASQ`
      : null;
  if (all.length > 0) endpointChains(svcChain, all, clusterMasq);
  if (needsSvl) {
    const local = usableEndpoints(sp.endpoints.filter((e) => e.local));
    if (local.length > 0) endpointChains(svlChain, local, null);
  }
  for (const e of new Set([...cluster, ...external, ...(all.length > 0 ? all : [])])) {
    const sep = sepOf(e);
    const affinity =
      sp.affinitySeconds > 0 ? ` -m recent --name ${sep} --mask 255.255.255.255 --rsource --set` : "";
    out.natChains.set(sep, [
      `-A ${sep}${comment(name, wc)} -s ${e.ip}/32 -j KUBE-MARK-MASQ`,
      `-A ${sep}${comment(name, wc)} ${proto}${affinity} -j DNAT --to-destination ${e.ip}:${e.port}`,
    ]);
  }
  const clusterTarget = sp.internalLocal ? svlChain : svcChain;
  if (sp.clusterIP) {
    const match = `-d ${sp.clusterIP}/32 ${proto} --dport ${sp.port}`;
    if (cluster.length > 0)
      out.natServices.push(
        `-A KUBE-SERVICES${comment(`${name} cluster IP`, wc)} ${match} -j ${clusterTarget}`,
      );
    else
      out.filterServices.push(
        `-A KUBE-SERVICES${comment(`${name} has no endpoints`, wc)} ${match} ${noEndpoints}`,
      );
  }
  if (!hasExternal(sp)) return;
  if (external.length > 0) {
    const rules: string[] = [];
    if (sp.externalLocal) {
      if (cfg.clusterCIDR && all.length > 0)
        rules.push(`-A ${extChain} -s ${cfg.clusterCIDR} -j ${svcChain}`);
      if (all.length > 0) {
        rules.push(`-A ${extChain} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        rules.push(`-A ${extChain} -m addrtype --src-type LOCAL -j ${svcChain}`);
      }
      rules.push(`-A ${extChain} -j ${svlChain}`);
    } else {
      rules.push(
        `-A ${extChain}${comment("masquerade traffic for external destinations", wc)} -j KUBE-MARK-MASQ`,
      );
      rules.push(`-A ${extChain} -j ${svcChain}`);
    }
    out.natChains.set(extChain, rules);
  }
  for (const addr of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    const match = `-d ${addr}/32 ${proto} --dport ${sp.port}`;
    if (external.length > 0)
      out.natServices.push(`-A KUBE-SERVICES${comment(`${name} external IP`, wc)} ${match} -j ${extChain}`);
    else
      out.filterExternal.push(
        `-A KUBE-EXTERNAL-SERVICES${comment(`${name} has no endpoints`, wc)} ${match} ${noEndpoints}`,
      );
  }
  if (sp.nodePort > 0) {
    const match = `${proto} --dport ${sp.nodePort}`;
    if (external.length > 0)
      out.natNodePorts.push(`-A KUBE-NODEPORTS${comment(name, wc)} ${match} -j ${extChain}`);
    else
      out.filterExternal.push(
        `-A KUBE-EXTERNAL-SERVICES${comment(`${name} has no endpoints`, wc)} -m addrtype --dst-type LOCAL ${match} ${noEndpoints}`,
      );
  }
}

export const STATIC_NAT_CHAINS = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"];
export const STATIC_FILTER_CHAINS = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"];

export function staticNatRules(cfg: IptablesConfig): string[] {
  const nodePorts =
    cfg.nodePortCIDRs.length > 0
      ? cfg.nodePortCIDRs.map((c) => `-A KUBE-SERVICES -d ${c} -j KUBE-NODEPORTS`)
      : [
          `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS`,
        ];
  return [
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
    ...nodePorts,
  ];
}

export interface RestoreInput {
  nat: string[];
  filter: string[];
}

/**
 * The iptables-restore input (for `--noflush`) that brings the kernel from `previous` (per Service,
 * what was committed) to `next` for the Services in `changed`, or everything when `full`. The shared
 * chains are always rewritten; a Service's own chains only when their content changed.
 * `staleChains` are chains to delete that are not in `previous` (found in the kernel at start).
 */
export function renderRestore(
  all: ReadonlyMap<string, ServiceRules>,
  previous: ReadonlyMap<string, ServiceRules>,
  changed: Iterable<string> | "full",
  cfg: IptablesConfig,
  staleChains: string[] = [],
): string {
  const nat: string[] = ["*nat"];
  const natRules: string[] = [];
  const natDeletes: string[] = [];
  const filter: string[] = ["*filter"];
  // Large arrays are appended with loops: spreading 100k lines into push() overflows the stack.
  const append = (to: string[], from: readonly string[]) => {
    for (const l of from) to.push(l);
  };
  for (const c of STATIC_NAT_CHAINS) nat.push(`:${c} - [0:0]`);
  for (const c of STATIC_FILTER_CHAINS) filter.push(`:${c} - [0:0]`);
  const services: string[] = [];
  const nodePorts: string[] = [];
  const filterExt: string[] = [];
  for (const r of all.values()) {
    append(services, r.natServices);
    append(nodePorts, r.natNodePorts);
    append(filter, r.filterServices);
    append(filterExt, r.filterExternal);
  }
  const desiredChains = new Set<string>();
  const keys = changed === "full" ? new Set([...all.keys(), ...previous.keys()]) : new Set(changed);
  const toDelete = new Set<string>(staleChains);
  for (const key of keys) {
    const next = all.get(key);
    const prev = previous.get(key);
    for (const [chain, rules] of next?.natChains ?? []) {
      desiredChains.add(chain);
      const old = prev?.natChains.get(chain);
      if (changed !== "full" && old && old.join("\n") === rules.join("\n")) continue;
      nat.push(`:${chain} - [0:0]`);
      append(natRules, rules);
    }
    for (const chain of prev?.natChains.keys() ?? []) if (!next?.natChains.has(chain)) toDelete.add(chain);
  }
  if (changed === "full")
    for (const r of all.values()) for (const c of r.natChains.keys()) desiredChains.add(c);
  for (const c of toDelete) {
    if (desiredChains.has(c) || STATIC_NAT_CHAINS.includes(c)) continue;
    nat.push(`:${c} - [0:0]`);
    natDeletes.push(`-X ${c}`);
  }
  const statics = staticNatRules(cfg);
  append(
    nat,
    statics.filter((r) => !r.startsWith("-A KUBE-SERVICES")),
  );
  append(nat, services);
  append(
    nat,
    statics.filter((r) => r.startsWith("-A KUBE-SERVICES")),
  );
  append(nat, nodePorts);
  append(nat, natRules);
  // Deletions (-X) come after the rules that referenced them are gone (their chains were flushed above).
  append(nat, natDeletes);
  nat.push("COMMIT");
  append(filter, filterExt);
  filter.push("COMMIT");
  return `${filter.join("\n")}\n${nat.join("\n")}\n`;
}
