// The boundary between the syncer and one kernel backend (nftables, iptables, ipvs).
import type { ChangeSet } from "./state.ts";

export type ProxyMode = "nftables" | "iptables" | "ipvs";

export interface ProxyBackend {
  readonly mode: ProxyMode;
  /** Programs the kernel for `changes.model`; `full` rewrites all of nodelet's rules. Throws on failure. */
  sync(changes: ChangeSet, full: boolean): Promise<void>;
  /** Removes every rule, chain, set and table this backend ever created. */
  cleanup(): Promise<void>;
  /** Releases long-lived helpers (processes); the kernel rules stay. */
  close?(): void;
}
