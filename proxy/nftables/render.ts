// Renders nft scripts for nodelet's table: a full sync (one atomic transaction that rewrites the
// table's content without ever deleting the table) and incremental syncs (element and chain deltas
// of the Services that changed, computed from what was committed, never from listing the kernel).
import type { ServicePortInfo } from "../model.ts";
import {
  groupChain,
  type NftAffinitySet,
  type NftChain,
  type NftConfig,
  type NftElement,
  type NftObjects,
  nodePortGroupChain,
  serviceObjects,
} from "./objects.ts";
import { ENDPOINT_MAPS, isMap, PRECREATED_GROUPS, STATIC_SETS, staticChains } from "./skeleton.ts";

export interface NftPlan {
  script: string;
  /** Set when an incremental plan cannot be expressed (a new group chain): do a full sync instead. */
  needsFull?: boolean;
  /** Records the plan as committed; call only after the kernel accepted the script. */
  commit(): void;
}

interface ElementOwners {
  /** owner (Service key) → value; the first owner's value is the one in the kernel. */
  owners: Map<string, string | undefined>;
}

const ELEMENTS_PER_LINE = 2000;

function groupChainRule(name: string, n: number): string {
  return name.startsWith("nodeport-")
    ? `dnat ip to meta l4proto . th dport . numgen random mod ${n} map @nodeport-endpoints`
    : `dnat ip to ip daddr . meta l4proto . th dport . numgen random mod ${n} map @service-endpoints`;
}

function groupChains(o: NftObjects): string[] {
  return [...o.groups.map(groupChain), ...o.nodePortGroups.map(nodePortGroupChain)];
}

const elementId = (e: NftElement) => `${e.set}|${e.key}`;
const firstValue = (o: ElementOwners) => o.owners.values().next().value;

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

export class NftRuleset {
  readonly cfg: NftConfig;
  readonly table: string;
  #perService = new Map<string, NftObjects>();
  #elements = new Map<string, ElementOwners>();
  #groupChains = new Set<string>();
  #affinityChains = new Map<string, string>();
  #affinitySets = new Set<string>();
  #committedOnce = false;

  constructor(cfg: NftConfig) {
    this.cfg = cfg;
    this.table = `ip ${cfg.table}`;
  }

  get hasCommitted(): boolean {
    return this.#committedOnce;
  }

  /** Number of elements nodelet believes are in its maps and sets. */
  get elementCount(): number {
    return this.#elements.size;
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
    const perService = new Map<string, NftObjects>();
    const elements = new Map<string, ElementOwners>();
    const desiredElements: NftElement[] = [];
    const chains = new Map<string, NftChain>();
    const sets = new Map<string, NftAffinitySet>();
    for (let n = 1; n <= PRECREATED_GROUPS; n++) {
      for (const g of [groupChain(n), nodePortGroupChain(n)]) chains.set(g, groupChainOf(g));
    }
    for (const key of [...model.keys()].sort()) {
      const objs = serviceObjects(model.get(key)!, this.cfg);
      perService.set(key, objs);
      for (const e of objs.elements) {
        const id = elementId(e);
        const owners = elements.get(id);
        if (owners) owners.owners.set(key, e.value);
        else {
          elements.set(id, { owners: new Map([[key, e.value]]) });
          desiredElements.push(e);
        }
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
    elementLines(
      lines,
      t,
      "add",
      desiredElements.map((e) => ({ ...e, value: firstValue(elements.get(elementId(e))!) })),
    );
    return {
      script: `${lines.join("\n")}\n`,
      commit: () => {
        this.#perService = perService;
        this.#elements = elements;
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

  /** An incremental sync of the Services in `changed`. Returns an empty script when nothing differs. */
  planIncremental(changed: Iterable<string>, model: ReadonlyMap<string, ServicePortInfo[]>): NftPlan {
    const t = this.table;
    const touched = new Map<
      string,
      { before: ElementOwners | undefined; after: ElementOwners; sample: NftElement }
    >();
    const touch = (e: NftElement) => {
      const id = elementId(e);
      let entry = touched.get(id);
      if (!entry) {
        const before = this.#elements.get(id);
        entry = { before, after: { owners: new Map(before?.owners) }, sample: e };
        touched.set(id, entry);
      }
      return entry;
    };
    const nextObjects = new Map<string, NftObjects | undefined>();
    const oldAff = new Map<string, string>();
    const newAff = new Map<string, NftChain>();
    const oldSets = new Set<string>();
    const newSets = new Map<string, NftAffinitySet>();
    const newGroups = new Set<string>();
    for (const key of changed) {
      const old = this.#perService.get(key);
      const ports = model.get(key);
      const next = ports && ports.length > 0 ? serviceObjects(ports, this.cfg) : undefined;
      nextObjects.set(key, next);
      for (const e of old?.elements ?? []) touch(e).after.owners.delete(key);
      for (const e of next?.elements ?? []) touch(e).after.owners.set(key, e.value);
      for (const c of old?.chains ?? []) oldAff.set(c.name, c.rules.join("\n"));
      for (const s of old?.sets ?? []) oldSets.add(s.name);
      for (const c of next?.chains ?? []) newAff.set(c.name, c);
      for (const s of next?.sets ?? []) newSets.set(s.name, s);
      for (const g of next ? groupChains(next) : []) if (!this.#groupChains.has(g)) newGroups.add(g);
    }
    const deletes: NftElement[] = [];
    const adds: NftElement[] = [];
    for (const { before, after, sample } of touched.values()) {
      const was = before && before.owners.size > 0 ? { v: firstValue(before) } : null;
      const now = after.owners.size > 0 ? { v: firstValue(after) } : null;
      if (was && (!now || now.v !== was.v)) deletes.push(sample);
      if (now && (!was || now.v !== was.v)) adds.push({ ...sample, value: now.v });
    }
    if (newGroups.size > 0) return { script: "", needsFull: true, commit: () => {} };
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
        for (const [key, objs] of nextObjects) {
          if (objs) this.#perService.set(key, objs);
          else this.#perService.delete(key);
        }
        for (const [id, { after }] of touched) {
          if (after.owners.size > 0) this.#elements.set(id, after);
          else this.#elements.delete(id);
        }
        for (const name of oldAff.keys()) this.#affinityChains.delete(name);
        for (const key of changed) {
          for (const c of nextObjects.get(key)?.chains ?? [])
            this.#affinityChains.set(c.name, c.rules.join("\n"));
        }
        for (const s of oldSets) this.#affinitySets.delete(s);
        for (const s of newSets.keys()) this.#affinitySets.add(s);
      },
    };
  }
}
