// The iptables backend: one `iptables-restore --noflush` per sync; only the chains of Services that
// changed are rewritten (plus the shared dispatch chains); full sync at start, on failure and every
// syncPeriod.
import type { Logger } from "../../agent/log.ts";
import type { ProxyBackend } from "../backend.ts";
import { type CommandRunner, mustRun } from "../exec.ts";
import type { ChangeSet } from "../state.ts";
import { cleanupIptables, ensureJumpRules, type IptablesFlavour, iptablesBinary } from "./flavour.ts";
import { type IptablesConfig, renderRestore, type ServiceRules, serviceRules } from "./render.ts";

/** Above this many endpoints, per-rule comments are dropped (as kube-proxy does) to keep restores fast. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

export class IptablesBackend implements ProxyBackend {
  readonly mode = "iptables" as const;
  readonly flavour: IptablesFlavour;
  #runner: CommandRunner;
  #cfg: IptablesConfig;
  #log: Logger;
  #committed = new Map<string, ServiceRules>();
  #withComments: boolean | null = null;
  #startedOnce = false;
  /** Size in bytes of the last restore input (for benchmarks). */
  lastRestoreBytes = 0;

  constructor(runner: CommandRunner, cfg: IptablesConfig & { flavour: IptablesFlavour }, log: Logger) {
    this.#runner = runner;
    this.#cfg = { clusterCIDR: cfg.clusterCIDR, nodePortCIDRs: cfg.nodePortCIDRs };
    this.flavour = cfg.flavour;
    this.#log = log;
  }

  /** The restore input a sync would apply (exposed for benchmarks and tests). */
  render(
    changes: ChangeSet,
    full: boolean,
    stale: string[] = [],
  ): { text: string; next: Map<string, ServiceRules> } {
    let endpoints = 0;
    for (const ports of changes.model.values()) for (const sp of ports) endpoints += sp.endpoints.length;
    const withComments = endpoints <= LARGE_CLUSTER_ENDPOINTS;
    const forceFull = full || withComments !== this.#withComments;
    const next = new Map(this.#committed);
    const keys = forceFull ? new Set([...changes.model.keys(), ...this.#committed.keys()]) : changes.changed;
    for (const key of keys) {
      const ports = changes.model.get(key);
      if (ports) next.set(key, serviceRules(ports, this.#cfg, withComments));
      else next.delete(key);
    }
    this.#withComments = withComments;
    return { text: renderRestore(next, this.#committed, forceFull ? "full" : keys, this.#cfg, stale), next };
  }

  async sync(changes: ChangeSet, full: boolean): Promise<void> {
    let stale: string[] = [];
    if (!this.#startedOnce || full) {
      await ensureJumpRules(this.#runner, this.flavour);
      if (!this.#startedOnce) stale = await this.#kernelServiceChains();
    }
    const { text, next } = this.render(changes, full || !this.#startedOnce, stale);
    this.lastRestoreBytes = text.length;
    try {
      await mustRun(this.#runner, [iptablesBinary(this.flavour, "-restore"), "--noflush", "--wait=5"], text);
    } catch (err) {
      this.#withComments = null;
      throw err;
    }
    this.#committed = next;
    this.#startedOnce = true;
    this.#log.debug({ full, bytes: text.length }, "iptables rules applied");
  }

  async #kernelServiceChains(): Promise<string[]> {
    const r = await this.#runner.run([iptablesBinary(this.flavour, "-save"), "-t", "nat"]);
    if (r.code !== 0) return [];
    return [...r.stdout.matchAll(/^:(KUBE-(?:SVC|SVL|EXT|SEP|FW)-\S+)/gm)].map((m) => m[1]!);
  }

  async cleanup(): Promise<void> {
    await cleanupIptables(this.#runner, this.flavour);
  }
}
