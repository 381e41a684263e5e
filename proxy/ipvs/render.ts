// IPVS mode rendering: virtual servers for ipvsadm-restore, ipsets for `ipset restore`, the VIPs
// bound to the kube-ipvs0 interface, and the few iptables rules that masquerade. Pure functions.
import { clusterEndpoints, type EndpointInfo, externalEndpoints, type ServicePortInfo } from "../model.ts";

export interface IpvsConfig {
  clusterCIDR?: string;
  scheduler: string;
  nodeIPs: string[];
}

export interface VirtualServer {
  /** "-t 10.96.0.10:80" style service address. */
  service: string;
  scheduler: string;
  persistenceSeconds: number;
  reals: string[];
}

export interface IpvsState {
  virtualServers: Map<string, VirtualServer>;
  /** ipset name → entries. */
  sets: Map<string, Set<string>>;
  /** Addresses bound to kube-ipvs0 (each /32). */
  addresses: Set<string>;
}

export const IPVS_INTERFACE = "kube-ipvs0";

export const IPSETS: [string, string][] = [
  ["KUBE-CLUSTER-IP", "hash:ip,port family inet hashsize 1024 maxelem 65536"],
  ["KUBE-EXTERNAL-IP", "hash:ip,port family inet hashsize 1024 maxelem 65536"],
  ["KUBE-LOAD-BALANCER", "hash:ip,port family inet hashsize 1024 maxelem 65536"],
  ["KUBE-LOOP-BACK", "hash:ip,port,ip family inet hashsize 1024 maxelem 65536"],
  ["KUBE-NODE-PORT-TCP", "bitmap:port range 0-65535"],
  ["KUBE-NODE-PORT-UDP", "bitmap:port range 0-65535"],
  ["KUBE-NODE-PORT-SCTP-HASH", "hash:ip,port family inet hashsize 1024 maxelem 65536"],
];

const flag = (proto: string) => (proto === "TCP" ? "-t" : proto === "UDP" ? "-u" : "--sctp-service");

export function ipvsState(model: Iterable<ServicePortInfo[]>, cfg: IpvsConfig): IpvsState {
  const state: IpvsState = {
    virtualServers: new Map(),
    sets: new Map(IPSETS.map(([n]) => [n, new Set<string>()])),
    addresses: new Set(),
  };
  const add = (set: string, entry: string) => state.sets.get(set)!.add(entry);
  for (const ports of model) {
    for (const sp of ports) {
      const p = sp.protocol.toLowerCase();
      const vs = (addr: string, port: number, eps: EndpointInfo[]) => {
        const service = `${flag(sp.protocol)} ${addr}:${port}`;
        state.virtualServers.set(service, {
          service,
          scheduler: cfg.scheduler,
          persistenceSeconds: sp.affinitySeconds,
          reals: eps.map((e) => `${e.ip}:${e.port}`),
        });
        for (const e of eps) add("KUBE-LOOP-BACK", `${e.ip},${p}:${e.port},${e.ip}`);
      };
      if (sp.clusterIP) {
        vs(sp.clusterIP, sp.port, clusterEndpoints(sp));
        state.addresses.add(sp.clusterIP);
        add("KUBE-CLUSTER-IP", `${sp.clusterIP},${p}:${sp.port}`);
      }
      const external = externalEndpoints(sp);
      for (const ip of sp.externalIPs) {
        vs(ip, sp.port, external);
        state.addresses.add(ip);
        add("KUBE-EXTERNAL-IP", `${ip},${p}:${sp.port}`);
      }
      for (const ip of sp.loadBalancerIPs) {
        vs(ip, sp.port, external);
        state.addresses.add(ip);
        add("KUBE-LOAD-BALANCER", `${ip},${p}:${sp.port}`);
      }
      if (sp.nodePort > 0) {
        for (const ip of cfg.nodeIPs) vs(ip, sp.nodePort, external);
        if (sp.protocol === "SCTP")
          for (const ip of cfg.nodeIPs) add("KUBE-NODE-PORT-SCTP-HASH", `${ip},sctp:${sp.nodePort}`);
        else add(`KUBE-NODE-PORT-${sp.protocol}`, String(sp.nodePort));
      }
    }
  }
  return state;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function serverLine(verb: "-A" | "-E", v: VirtualServer): string {
  return `${verb} ${v.service} -s ${v.scheduler}${v.persistenceSeconds > 0 ? ` -p ${v.persistenceSeconds}` : ""}`;
}

/** ipvsadm-restore input taking the kernel from `prev` to `next` (prev empty: full programming). */
export function renderIpvsadm(prev: IpvsState | null, next: IpvsState): string {
  const lines: string[] = [];
  const old = prev?.virtualServers ?? new Map<string, VirtualServer>();
  for (const key of [...old.keys()].sort(byText)) if (!next.virtualServers.has(key)) lines.push(`-D ${key}`);
  for (const key of [...next.virtualServers.keys()].sort(byText)) {
    const v = next.virtualServers.get(key)!;
    const o = old.get(key);
    if (!o) lines.push(serverLine("-A", v));
    else if (o.scheduler !== v.scheduler || o.persistenceSeconds !== v.persistenceSeconds)
      lines.push(serverLine("-E", v));
    const before = new Set(o?.reals ?? []);
    const after = new Set(v.reals);
    for (const r of [...before].sort(byText)) if (!after.has(r)) lines.push(`-d ${key} -r ${r}`);
    for (const r of [...after].sort(byText)) if (!before.has(r)) lines.push(`-a ${key} -r ${r} -m -w 1`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** `ipset restore` input: creates the sets (idempotently) and brings their members to `next`. */
export function renderIpset(prev: IpvsState | null, next: IpvsState): string {
  const lines: string[] = [];
  for (const [name, spec] of IPSETS) {
    lines.push(`create ${name} ${spec} -exist`);
    const before = prev?.sets.get(name) ?? new Set<string>();
    const after = next.sets.get(name)!;
    if (!prev) lines.push(`flush ${name}`);
    for (const e of [...before].sort(byText)) if (!after.has(e)) lines.push(`del ${name} ${e} -exist`);
    for (const e of [...after].sort(byText))
      if (!before.has(e) || !prev) lines.push(`add ${name} ${e} -exist`);
  }
  return `${lines.join("\n")}\n`;
}

/** `ip` commands (for `ip -batch -`) binding new VIPs to kube-ipvs0 and unbinding gone ones. */
export function renderAddresses(prev: IpvsState | null, next: IpvsState): string {
  const lines: string[] = [];
  const before = prev?.addresses ?? new Set<string>();
  for (const a of [...before].sort(byText))
    if (!next.addresses.has(a)) lines.push(`addr del ${a}/32 dev ${IPVS_INTERFACE}`);
  for (const a of [...next.addresses].sort(byText))
    if (!before.has(a)) lines.push(`addr replace ${a}/32 dev ${IPVS_INTERFACE}`);
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** The iptables-restore (--noflush) input for masquerading and node ports in IPVS mode. */
export function renderIpvsIptables(cfg: IpvsConfig): string {
  const masqCluster = cfg.clusterCIDR
    ? [
        `-A KUBE-SERVICES ! -s ${cfg.clusterCIDR} -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`,
      ]
    : [];
  return `${[
    "*nat",
    ":KUBE-SERVICES - [0:0]",
    ":KUBE-POSTROUTING - [0:0]",
    ":KUBE-MARK-MASQ - [0:0]",
    ":KUBE-NODE-PORT - [0:0]",
    `-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE`,
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
    ...masqCluster,
    "-A KUBE-SERVICES -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ",
    "-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-MARK-MASQ",
    "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
    "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    "-A KUBE-NODE-PORT -p tcp -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ",
    "-A KUBE-NODE-PORT -p udp -m set --match-set KUBE-NODE-PORT-UDP dst -j KUBE-MARK-MASQ",
    "-A KUBE-NODE-PORT -p sctp -m set --match-set KUBE-NODE-PORT-SCTP-HASH dst,dst -j KUBE-MARK-MASQ",
    "COMMIT",
  ].join("\n")}\n`;
}
