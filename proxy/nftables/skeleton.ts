// The fixed part of nodelet's nftables table: base chains hooked into netfilter, the dispatch
// chains, and the shared maps/sets whose elements carry every Service.
import { MAPS, type NftConfig, REJECT_CHAIN } from "./objects.ts";

export const MASQ_MARK = "0x4000";

export interface StaticSet {
  name: string;
  spec: string;
}

// nft 1.0.6 cannot evaluate a new rule against an endpoint map loaded back from the kernel (its
// typeof data `ip daddr . th dport` fails: "conflicting protocols specified: ip vs. th"), so rules
// that use these maps are only ever added in the transaction that (re)creates the maps: a full sync.
export const ENDPOINT_MAPS = ["service-endpoints", "nodeport-endpoints"];
/** Group chains for 1..PRECREATED_GROUPS endpoints always exist, so incremental syncs rarely need a new one. */
export const PRECREATED_GROUPS = 16;

export const STATIC_SETS: StaticSet[] = [
  { name: MAPS.serviceIPs, spec: "type ipv4_addr . inet_proto . inet_service : verdict;" },
  { name: MAPS.serviceNodePorts, spec: "type inet_proto . inet_service : verdict;" },
  {
    name: MAPS.serviceEndpoints,
    spec: "typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport;",
  },
  {
    name: MAPS.nodePortEndpoints,
    spec: "typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport;",
  },
  { name: MAPS.noEndpointServices, spec: "type ipv4_addr . inet_proto . inet_service : verdict;" },
  { name: MAPS.noEndpointNodePorts, spec: "type inet_proto . inet_service : verdict;" },
  { name: MAPS.clusterServices, spec: "type ipv4_addr . inet_proto . inet_service;" },
  { name: MAPS.masqServices, spec: "type ipv4_addr . inet_proto . inet_service;" },
  { name: MAPS.masqNodePorts, spec: "type inet_proto . inet_service;" },
  { name: MAPS.hairpin, spec: "type ipv4_addr . ipv4_addr;" },
  { name: "nodeport-ips", spec: "type ipv4_addr; flags interval;" },
];

export function isMap(name: string): boolean {
  return !/^(cluster-services|masq-services|masq-nodeports|hairpin|nodeport-ips)$/.test(name);
}

export interface StaticChain {
  name: string;
  hook?: string;
  rules: string[];
}

export function staticChains(cfg: NftConfig): StaticChain[] {
  const nodePortMatch =
    cfg.nodePortCIDRs.length > 0 ? "ip daddr @nodeport-ips" : "fib daddr type local ip daddr != 127.0.0.0/8";
  const svcKey = "ip daddr . meta l4proto . th dport";
  return [
    {
      name: "nat-prerouting",
      hook: "type nat hook prerouting priority -100; policy accept;",
      rules: ["jump services"],
    },
    {
      name: "nat-output",
      hook: "type nat hook output priority -100; policy accept;",
      rules: ["jump services"],
    },
    {
      name: "nat-postrouting",
      hook: "type nat hook postrouting priority 100; policy accept;",
      rules: ["jump masquerading"],
    },
    ...["input", "forward", "output"].map((h) => ({
      name: `filter-${h}`,
      hook: `type filter hook ${h} priority -110; policy accept;`,
      rules: ["ct state new jump endpoints-check"],
    })),
    {
      name: "endpoints-check",
      rules: [
        `${svcKey} vmap @${MAPS.noEndpointServices}`,
        `${nodePortMatch} meta l4proto . th dport vmap @${MAPS.noEndpointNodePorts}`,
      ],
    },
    {
      name: "services",
      rules: [
        ...(cfg.clusterCIDR
          ? [`${svcKey} @${MAPS.clusterServices} ip saddr != ${cfg.clusterCIDR} jump mark-for-masquerade`]
          : []),
        `${svcKey} @${MAPS.masqServices} jump mark-for-masquerade`,
        `${svcKey} vmap @${MAPS.serviceIPs}`,
        `${nodePortMatch} jump nodeports`,
      ],
    },
    {
      name: "nodeports",
      rules: [
        `meta l4proto . th dport @${MAPS.masqNodePorts} jump mark-for-masquerade`,
        `meta l4proto . th dport vmap @${MAPS.serviceNodePorts}`,
      ],
    },
    { name: "mark-for-masquerade", rules: [`meta mark set meta mark | ${MASQ_MARK}`] },
    {
      name: "masquerading",
      rules: [
        `ct status dnat ip saddr . ip daddr @${MAPS.hairpin} jump mark-for-masquerade`,
        `meta mark & ${MASQ_MARK} == 0 return`,
        `meta mark set meta mark ^ ${MASQ_MARK}`,
        "masquerade fully-random",
      ],
    },
    { name: REJECT_CHAIN, rules: ["meta l4proto tcp reject with tcp reset", "reject"] },
  ];
}
