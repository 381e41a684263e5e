// Renders nft scripts for nodelet's table: a full sync (one atomic transaction that rewrites the
// table's content without ever deleting the table) and incremental syncs (element and chain deltas
// of the Services that changed, computed from what was committed, never from listing the kernel).
// Any deletion costs the kernel transaction ≈ 8-10 ms here, so incremental syncs avoid deletions that
// are not needed for correctness: endpoint-map buckets beyond a Service's endpoint count and hairpin
// pairs are left "lingering" (never matched) until the next full sync rewrites the maps.
import type { ServicePortInfo } from "../model.ts";
import {
  groupChain,
  type NftAffinitySet,
  type NftChain,
  type NftConfig,
  type NftElement,
  MAPS,
  type NftObjects,
  nodePortGroupChain,
  serviceObjects,
} from "./objects.ts";
import { arrangeService } from "./arrange.ts";
import { ENDPOINT_MAPS, isMap, PRECREATED_GROUPS, STATIC_SETS, staticChains } from "./skeleton.ts";

const ELEMENTS_PER_LINE = 2000;

function groupChainRule(name: string, n: number): string {
  return name.startsWith("nodeport-")
    ? `dnat ip to meta l4proto . th dport . numgen random mod ${n} map @nodeport-endpoints`
    : `dnat ip to ip daddr . meta l4proto . th dport . numgen random mod ${n} map @service-endpoints`;
}

function groupChains(o: NftObjects): string[] {
  return [...o.groups.map(groupChain), ...o.nodePortGroups.map(nodePortGroupChain)];
}

/** Appends `verb element` lines for `elements`, grouped per set and chunked. */
function elementLines(lines: string[], table: string, verb: "add" | "delete", elements: NftElement[]): void {
  const bySet = new Map<string, string[]>();
  for (const e of elements) {
    let list = bySet.get(e.set);
    if (!list) {
      list = [];
      bySet.set(e.set, list);
    }
    list.push(verb === "add" && e.value !== undefined ? `${e.key} : ${e.value}` : e.key);
  }
  for (const [set, items] of bySet) {
    for (let i = 0; i < items.length; i += ELEMENTS_PER_LINE) {
      lines.push(`${verb} element ${table} ${set} { ${items.slice(i, i + ELEMENTS_PER_LINE).join(", ")} }`);
    }
  }
}

function addChainLines(lines: string[], table: string, chain: NftChain): void {
  lines.push(`add chain ${table} ${chain.name}`);
  for (const r of chain.rules) lines.push(`add rule ${table} ${chain.name} ${r}`);
}

function addSetLine(lines: string[], table: string, s: NftAffinitySet): void {
  lines.push(`add set ${table} ${s.name} { type ipv4_addr; flags dynamic,timeout; timeout ${s.timeout}s; }`);
}

const groupChainOf = (name: string): NftChain => {
  const n = Number(name.slice(name.lastIndexOf("-") + 1));
  return { name, rules: [groupChainRule(name, n)] };
};

const elementId = (e: NftElement) => `${e.set}|${e.key}`;

/** Elements that may stay in the kernel when no longer wanted (they can never match a packet). */
const LINGERING = new Set<string>([MAPS.serviceEndpoints, MAPS.nodePortEndpoints, MAPS.hairpin]);

/** The frontend ("addr . proto . port" or "proto . port", prefixed by its kind) an element belongs to; null for shared ones. */
function frontendOf(e: NftElement): string | null {
  switch (e.set) {
    case MAPS.hairpin:
      return null;
    case MAPS.serviceEndpoints:
    case MAPS.nodePortEndpoints:
      return `${e.set === MAPS.serviceEndpoints ? "a" : "n"}|${e.key.slice(0, e.key.lastIndexOf(" . "))}`;
    case MAPS.serviceNodePorts:
    case MAPS.noEndpointNodePorts:
    case MAPS.masqNodePorts:
      return `n|${e.key}`;
    default:
      return `a|${e.key}`;
  }
}

export interface NftPlan {
  script: string;
  /** Set when an incremental plan cannot be expressed (a new group chain, a freed conflict): do a full sync. */
  needsFull?: boolean;
  /** Records the plan as committed; call only after the kernel accepted the script. */
  commit(): void;
}

export class NftRuleset {
  readonly cfg: NftConfig;
  readonly table: string;
  /** What was committed per Service, endpoints in kernel (bucket) order. */
  #perService = new Map<string, ServicePortInfo[]>();
  /** frontend → owning Service key (first one wins on conflicts). */
  #owners = new Map<string, string>();
  /** Frontends wanted by more than one Service. */
  #conflicted = new Set<string>();
  /** Elements still in the kernel though unwanted: id → value. */
  #lingering = new Map<string, string | undefined>();
  #groupChains = new Set<string>();
  #affinityChains = new Map<string, string>();
  #affinitySets = new Set<string>();
  #committedOnce = false;
  /** Conflicting frontends found by the last plan (for logging). */
  conflicts: string[] = [];

  constructor(cfg: NftConfig) {
    this.cfg = cfg;
    this.table = `ip ${cfg.table}`;
  }

  get hasCommitted(): boolean {
    return this.#committedOnce;
  }

  /**
   * A full sync of `model`. `existing` names the chains and sets found in the kernel table (read once
   * at start, so that leftovers of a previous run are removed); later full syncs use memory.
   */
  planFull(
    model: ReadonlyMap<string, ServicePortInfo[]>,
    existing?: { chains: string[]; sets: string[] },
  ): NftPlan {
    const t = this.table;
    const owners = new Map<string, string>();
    const conflicted = new Set<string>();
    const seen = new Set<string>();
    const desiredElements: NftElement[] = [];
    const chains = new Map<string, NftChain>();
    const sets = new Map<string, NftAffinitySet>();
    this.conflicts = [];
    for (let n = 1; n <= PRECREATED_GROUPS; n++) {
      for (const g of [groupChain(n), nodePortGroupChain(n)]) chains.set(g, groupChainOf(g));
    }
    for (const key of [...model.keys()].sort()) {
      const objs = serviceObjects(model.get(key)!, this.cfg);
      for (const e of objs.elements) {
        const f = frontendOf(e);
        if (f !== null) {
          const owner = owners.get(f);
          if (owner === undefined) owners.set(f, key);
          else if (owner !== key) {
            if (!conflicted.has(f)) this.conflicts.push(`${f} wanted by ${owner} and ${key}`);
            conflicted.add(f);
            continue;
          }
        }
        const id = elementId(e);
        if (seen.has(id)) continue;
        seen.add(id);
        desiredElements.push(e);
      }
      for (const c of objs.chains) chains.set(c.name, c);
      for (const g of groupChains(objs)) chains.set(g, groupChainOf(g));
      for (const s of objs.sets) sets.set(s.name, s);
    }
    const lines: string[] = [`add table ${t}`];
    const statics = staticChains(this.cfg);
    for (const c of statics)
      lines.push(c.hook ? `add chain ${t} ${c.name} { ${c.hook} }` : `add chain ${t} ${c.name}`);
    for (const s of STATIC_SETS)
      lines.push(`add ${isMap(s.name) ? "map" : "set"} ${t} ${s.name} { ${s.spec} }`);
    const staticNames = new Set([...statics.map((c) => c.name), ...STATIC_SETS.map((s) => s.name)]);
    const oldChains = new Set([
      ...(existing?.chains ?? []),
      ...this.#groupChains,
      ...this.#affinityChains.keys(),
    ]);
    const oldSets = new Set([...(existing?.sets ?? []), ...this.#affinitySets]);
    const staleChains = [...oldChains].filter((c) => !chains.has(c) && !staticNames.has(c));
    for (const c of [...statics, ...chains.values()]) {
      lines.push(`add chain ${t} ${c.name}`, `flush chain ${t} ${c.name}`);
    }
    for (const c of staleChains) lines.push(`flush chain ${t} ${c}`);
    for (const s of STATIC_SETS) {
      if (ENDPOINT_MAPS.includes(s.name))
        lines.push(`delete map ${t} ${s.name}`, `add map ${t} ${s.name} { ${s.spec} }`);
      else lines.push(`flush ${isMap(s.name) ? "map" : "set"} ${t} ${s.name}`);
    }
    // Affinity sets are never flushed: they hold the live client → endpoint bindings.
    for (const s of sets.values()) addSetLine(lines, t, s);
    for (const c of [...statics, ...chains.values()]) {
      for (const r of c.rules) lines.push(`add rule ${t} ${c.name} ${r}`);
    }
    for (const c of staleChains) lines.push(`delete chain ${t} ${c}`);
    for (const s of oldSets) if (!sets.has(s) && !staticNames.has(s)) lines.push(`delete set ${t} ${s}`);
    if (this.cfg.nodePortCIDRs.length > 0) {
      lines.push(`add element ${t} nodeport-ips { ${this.cfg.nodePortCIDRs.join(", ")} }`);
    }
    elementLines(lines, t, "add", desiredElements);
    return {
      script: `${lines.join("\n")}\n`,
      commit: () => {
        this.#perService = new Map(model);
        this.#owners = owners;
        this.#conflicted = conflicted;
        this.#lingering = new Map();
        this.#groupChains = new Set([...chains.keys()].filter((c) => !c.startsWith("affinity-")));
        this.#affinityChains = new Map(
          [...chains.values()]
            .filter((c) => c.name.startsWith("affinity-"))
            .map((c) => [c.name, c.rules.join("\n")]),
        );
        this.#affinitySets = new Set(sets.keys());
        this.#committedOnce = true;
      },
    };
  }

  /** The elements of `objs` whose frontends `key` owns (given `owners`), by id. */
  #owned(objs: NftObjects, key: string, owners: (f: string) => string | undefined): Map<string, NftElement> {
    const out = new Map<string, NftElement>();
    for (const e of objs.elements) {
      const f = frontendOf(e);
      if (f !== null && owners(f) !== key) continue;
      out.set(elementId(e), e);
    }
    return out;
  }

  /** An incremental sync of the Services in `changed`. Returns an empty script when nothing differs. */
  planIncremental(changed: Iterable<string>, model: ReadonlyMap<string, ServicePortInfo[]>): NftPlan {
    const t = this.table;
    const full: NftPlan = { script: "", needsFull: true, commit: () => {} };
    const ownerChanges = new Map<string, string | undefined>();
    const ownerOf = (f: string) => (ownerChanges.has(f) ? ownerChanges.get(f) : this.#owners.get(f));
    const arranged = new Map<string, ServicePortInfo[] | undefined>();
    const deletes: NftElement[] = [];
    const adds: NftElement[] = [];
    const lingering = new Map<string, string | undefined>();
    const unlinger = new Set<string>();
    const inKernel = (id: string): { v: string | undefined } | null => {
      if (unlinger.has(id)) return null;
      if (lingering.has(id)) return { v: lingering.get(id) };
      return this.#lingering.has(id) ? { v: this.#lingering.get(id) } : null;
    };
    const oldAff = new Map<string, string>();
    const newAff = new Map<string, NftChain>();
    const oldSets = new Set<string>();
    const newSets = new Map<string, NftAffinitySet>();
    this.conflicts = [];
    for (const key of changed) {
      const oldPorts = this.#perService.get(key);
      const ports = model.get(key);
      const nextPorts = ports && ports.length > 0 ? arrangeService(oldPorts, ports) : undefined;
      arranged.set(key, nextPorts);
      const oldObjs = oldPorts ? serviceObjects(oldPorts, this.cfg) : undefined;
      const nextObjs = nextPorts ? serviceObjects(nextPorts, this.cfg) : undefined;
      const oldEls = oldObjs ? this.#owned(oldObjs, key, ownerOf) : new Map<string, NftElement>();
      for (const e of oldEls.values()) {
        const f = frontendOf(e);
        if (f !== null) {
          if (this.#conflicted.has(f)) return full; // another Service may now take it over
          ownerChanges.set(f, undefined);
        }
      }
      for (const e of nextObjs?.elements ?? []) {
        const f = frontendOf(e);
        if (f === null) continue;
        const owner = ownerOf(f);
        if (owner === undefined) ownerChanges.set(f, key);
        else if (owner !== key) this.conflicts.push(`${f} wanted by ${owner} and ${key}`);
      }
      const nextEls = nextObjs ? this.#owned(nextObjs, key, ownerOf) : new Map<string, NftElement>();
      for (const [id, e] of oldEls) {
        if (nextEls.has(id)) continue;
        if (LINGERING.has(e.set)) lingering.set(id, e.value);
        else deletes.push(e);
      }
      for (const [id, e] of nextEls) {
        const old = oldEls.get(id);
        const before = old ? { v: old.value } : inKernel(id);
        if (before && before.v === e.value) {
          if (!oldEls.has(id)) unlinger.add(id);
          lingering.delete(id);
          continue;
        }
        if (before) deletes.push(e);
        lingering.delete(id);
        unlinger.add(id);
        adds.push(e);
      }
      for (const c of oldObjs?.chains ?? []) oldAff.set(c.name, c.rules.join("\n"));
      for (const s of oldObjs?.sets ?? []) oldSets.add(s.name);
      for (const c of nextObjs?.chains ?? []) newAff.set(c.name, c);
      for (const s of nextObjs?.sets ?? []) newSets.set(s.name, s);
      for (const g of nextObjs ? groupChains(nextObjs) : []) if (!this.#groupChains.has(g)) return full;
    }
    const lines: string[] = [];
    elementLines(lines, t, "delete", deletes);
    for (const [name, rules] of oldAff) {
      const next = newAff.get(name);
      if (next && next.rules.join("\n") === rules) newAff.delete(name);
      else lines.push(`flush chain ${t} ${name}`);
      if (!next) lines.push(`delete chain ${t} ${name}`);
    }
    for (const s of oldSets) if (!newSets.has(s)) lines.push(`delete set ${t} ${s}`);
    for (const [name, s] of newSets) if (!oldSets.has(name)) addSetLine(lines, t, s);
    for (const c of newAff.values()) addChainLines(lines, t, c);
    elementLines(lines, t, "add", adds);
    return {
      script: lines.length > 0 ? `${lines.join("\n")}\n` : "",
      commit: () => {
        for (const [key, ports] of arranged) {
          if (ports) this.#perService.set(key, ports);
          else this.#perService.delete(key);
        }
        for (const [f, owner] of ownerChanges) {
          if (owner === undefined) this.#owners.delete(f);
          else this.#owners.set(f, owner);
        }
        for (const id of unlinger) this.#lingering.delete(id);
        for (const [id, v] of lingering) this.#lingering.set(id, v);
        for (const name of oldAff.keys()) this.#affinityChains.delete(name);
        for (const ports of arranged.values()) {
          for (const c of ports ? serviceObjects(ports, this.cfg).chains : []) {
            this.#affinityChains.set(c.name, c.rules.join("\n"));
          }
        }
        for (const s of oldSets) this.#affinitySets.delete(s);
        for (const s of newSets.keys()) this.#affinitySets.add(s);
      },
    };
  }
}
