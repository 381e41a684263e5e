// What one Service contributes to nodelet's nftables table: elements of the shared maps and sets,
// plus (for ClientIP affinity only) a chain of its own and one affinity set per endpoint. A pure
// function of the model; the renderers diff these contributions.
import { shortHash } from "../hash.ts";
import {
  clusterEndpoints,
  type EndpointInfo,
  externalEndpoints,
  type ServicePortInfo,
  usableEndpoints,
} from "../model.ts";

export interface NftConfig {
  table: string;
  /** Pod CIDR: traffic to a cluster IP from outside it is masqueraded. */
  clusterCIDR?: string;
  /** CIDRs whose addresses accept NodePorts; all local addresses when empty. */
  nodePortCIDRs: string[];
}

export interface NftElement {
  set: string;
  key: string;
  value?: string;
}

export interface NftChain {
  name: string;
  rules: string[];
}

export interface NftAffinitySet {
  name: string;
  timeout: number;
}

export interface NftObjects {
  elements: NftElement[];
  chains: NftChain[];
  sets: NftAffinitySet[];
  /** Endpoint counts whose shared group chains the elements jump to. */
  groups: number[];
  nodePortGroups: number[];
}

export const MAPS = {
  serviceIPs: "service-ips",
  serviceNodePorts: "service-nodeports",
  serviceEndpoints: "service-endpoints",
  nodePortEndpoints: "nodeport-endpoints",
  noEndpointServices: "no-endpoint-services",
  noEndpointNodePorts: "no-endpoint-nodeports",
  clusterServices: "cluster-services",
  masqServices: "masq-services",
  masqNodePorts: "masq-nodeports",
  hairpin: "hairpin",
} as const;

export const groupChain = (n: number) => `endpoints-${n}`;
export const nodePortGroupChain = (n: number) => `nodeport-endpoints-${n}`;
export const REJECT_CHAIN = "reject-chain";

const proto = (p: string) => p.toLowerCase();

/** The kernel objects for all ports of one Service. */
export function serviceObjects(ports: ServicePortInfo[], cfg: NftConfig): NftObjects {
  const out: NftObjects = { elements: [], chains: [], sets: [], groups: [], nodePortGroups: [] };
  const hairpins = new Set<string>();
  for (const sp of ports) addServicePort(out, sp, cfg, hairpins);
  for (const ip of hairpins) out.elements.push({ set: MAPS.hairpin, key: `${ip} . ${ip}` });
  return out;
}

function addServicePort(out: NftObjects, sp: ServicePortInfo, cfg: NftConfig, hairpins: Set<string>): void {
  const p = proto(sp.protocol);
  const anyUsable = usableEndpoints(sp.endpoints).length > 0;
  const noEndpointsVerdict = anyUsable ? "drop" : `goto ${REJECT_CHAIN}`;
  const cluster = clusterEndpoints(sp);
  const external = externalEndpoints(sp);
  for (const e of [...cluster, ...external]) hairpins.add(e.ip);
  const affinityChain = (eps: EndpointInfo[], variant: string): string => {
    const base = `affinity-${shortHash(`${sp.id}|${variant}`, 12)}`;
    if (!out.chains.some((c) => c.name === base)) out.chains.push(affinityChainFor(base, eps, sp, out));
    return `goto ${base}`;
  };
  const addressFrontend = (addr: string, eps: EndpointInfo[], variant: string) => {
    const key = `${addr} . ${p} . ${sp.port}`;
    if (eps.length === 0) {
      out.elements.push({ set: MAPS.noEndpointServices, key, value: noEndpointsVerdict });
      return;
    }
    if (sp.affinitySeconds > 0) {
      out.elements.push({ set: MAPS.serviceIPs, key, value: affinityChain(eps, variant) });
      return;
    }
    out.elements.push({ set: MAPS.serviceIPs, key, value: `goto ${groupChain(eps.length)}` });
    if (!out.groups.includes(eps.length)) out.groups.push(eps.length);
    eps.forEach((e, i) => {
      out.elements.push({ set: MAPS.serviceEndpoints, key: `${key} . ${i}`, value: `${e.ip} . ${e.port}` });
    });
  };
  const externalVariant = sp.externalLocal ? "local" : "cluster";
  if (sp.clusterIP) {
    addressFrontend(sp.clusterIP, cluster, sp.internalLocal ? "internal-local" : "cluster");
    if (cfg.clusterCIDR)
      out.elements.push({ set: MAPS.clusterServices, key: `${sp.clusterIP} . ${p} . ${sp.port}` });
  }
  for (const addr of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    addressFrontend(addr, external, externalVariant);
    if (!sp.externalLocal) out.elements.push({ set: MAPS.masqServices, key: `${addr} . ${p} . ${sp.port}` });
  }
  if (sp.nodePort > 0) {
    const key = `${p} . ${sp.nodePort}`;
    if (external.length === 0) {
      out.elements.push({ set: MAPS.noEndpointNodePorts, key, value: noEndpointsVerdict });
    } else if (sp.affinitySeconds > 0) {
      out.elements.push({ set: MAPS.serviceNodePorts, key, value: affinityChain(external, externalVariant) });
    } else {
      out.elements.push({
        set: MAPS.serviceNodePorts,
        key,
        value: `goto ${nodePortGroupChain(external.length)}`,
      });
      if (!out.nodePortGroups.includes(external.length)) out.nodePortGroups.push(external.length);
      external.forEach((e, i) => {
        out.elements.push({
          set: MAPS.nodePortEndpoints,
          key: `${key} . ${i}`,
          value: `${e.ip} . ${e.port}`,
        });
      });
    }
    if (!sp.externalLocal) out.elements.push({ set: MAPS.masqNodePorts, key });
  }
}

// ClientIP affinity: a client seen recently (per-endpoint set with the affinity timeout) goes to the
// same endpoint; otherwise a probability cascade (1/n, 1/(n-1), …, 1) picks one exactly uniformly.
function affinityChainFor(name: string, eps: EndpointInfo[], sp: ServicePortInfo, out: NftObjects): NftChain {
  const p = proto(sp.protocol);
  const sets = eps.map((e) => `${name}-${shortHash(`${e.ip}:${e.port}`, 8)}`);
  for (const s of sets) out.sets.push({ name: s, timeout: sp.affinitySeconds });
  const rules: string[] = [];
  eps.forEach((e, i) => {
    rules.push(
      `ip saddr @${sets[i]} meta l4proto ${p} update @${sets[i]} { ip saddr } dnat ip to ${e.ip}:${e.port}`,
    );
  });
  eps.forEach((e, i) => {
    const left = eps.length - i;
    const cond = left > 1 ? `numgen random mod ${left} == 0 ` : "";
    rules.push(`${cond}meta l4proto ${p} update @${sets[i]} { ip saddr } dnat ip to ${e.ip}:${e.port}`);
  });
  return { name, rules };
}
