// The nftables backend: renders with NftRuleset and applies each plan as one `nft -f -` transaction.
import type { Logger } from "../../agent/log.ts";
import type { ProxyBackend } from "../backend.ts";
import { type CommandRunner, mustRun } from "../exec.ts";
import type { ChangeSet } from "../state.ts";
import type { NftConfig } from "./objects.ts";
import { NftRuleset } from "./render.ts";
import { NftSession } from "./session.ts";

export const NFT_TABLE = "nodelet";

/** Names of the chains and sets/maps of `table` as the kernel has them (terse listing, no elements). */
export async function listTableObjects(
  runner: CommandRunner,
  table: string,
): Promise<{ chains: string[]; sets: string[] } | null> {
  const r = await runner.run(["nft", "-t", "list", "table", "ip", table]);
  if (r.code !== 0) return null;
  const chains = [...r.stdout.matchAll(/^\s*chain (\S+) \{/gm)].map((m) => m[1]!);
  const sets = [...r.stdout.matchAll(/^\s*(?:set|map) (\S+) \{/gm)].map((m) => m[1]!);
  return { chains, sets };
}

export async function deleteNftTable(runner: CommandRunner, table = NFT_TABLE): Promise<void> {
  const r = await runner.run(["nft", "list", "tables", "ip"]);
  if (r.code === 0 && r.stdout.split("\n").some((l) => l.trim() === `table ip ${table}`)) {
    await mustRun(runner, ["nft", "delete", "table", "ip", table]);
  }
}

export class NftablesBackend implements ProxyBackend {
  readonly mode = "nftables" as const;
  readonly ruleset: NftRuleset;
  #runner: CommandRunner;
  #log: Logger;
  #nftArgv: string[] | null;
  #session: NftSession | null = null;

  /**
   * `nftArgv` (how to run nft, e.g. with an `ip netns exec` prefix) enables a long-lived `nft -i`
   * session for incremental syncs; without it every sync spawns `nft -f -`.
   */
  constructor(
    runner: CommandRunner,
    cfg: Omit<NftConfig, "table"> & { table?: string },
    log: Logger,
    nftArgv: string[] | null = null,
  ) {
    this.#runner = runner;
    this.#log = log;
    this.#nftArgv = nftArgv;
    this.ruleset = new NftRuleset({ table: NFT_TABLE, ...cfg });
  }

  async #apply(script: string, full: boolean): Promise<void> {
    if (!full && this.#nftArgv && NftSession.fits(script)) {
      if (!this.#session?.usable) this.#session = new NftSession(this.#nftArgv);
      try {
        await this.#session.apply(script);
        return;
      } catch (err) {
        // A failed transaction changed nothing; retry it once the ordinary way for a clear error.
        this.#log.debug({ err: String(err) }, "nft session apply failed");
      }
    }
    await mustRun(this.#runner, ["nft", "-f", "-"], script);
  }

  close(): void {
    this.#session?.close();
    this.#session = null;
  }

  async sync(changes: ChangeSet, full: boolean): Promise<void> {
    let plan: ReturnType<NftRuleset["planFull"]>;
    let isFull = true;
    if (full || !this.ruleset.hasCommitted) {
      // Only the first full sync reads the kernel (to remove what an earlier run left behind).
      const existing = this.ruleset.hasCommitted
        ? undefined
        : ((await listTableObjects(this.#runner, this.ruleset.cfg.table)) ?? undefined);
      plan = this.ruleset.planFull(changes.model, existing);
    } else {
      plan = this.ruleset.planIncremental(changes.changed, changes.model);
      isFull = plan.needsFull === true;
      if (isFull) plan = this.ruleset.planFull(changes.model);
    }
    if (plan.script !== "") await this.#apply(plan.script, isFull);
    plan.commit();
    this.#log.debug({ full, bytes: plan.script.length }, "nftables rules applied");
  }

  async cleanup(): Promise<void> {
    await deleteNftTable(this.#runner, this.ruleset.cfg.table);
  }
}
