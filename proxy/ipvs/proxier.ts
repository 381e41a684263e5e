// The IPVS backend. This machine's kernels lack ip_vs, so it refuses to start with a clear message
// there; elsewhere it applies the rendered inputs with ipset restore, ip -batch, ipvsadm-restore
// and iptables-restore. Only its rendering is tested here (golden files).
import type { Logger } from "../../agent/log.ts";
import type { ProxyBackend } from "../backend.ts";
import { type CommandRunner, mustRun } from "../exec.ts";
import { ensureJumpRules } from "../iptables/flavour.ts";
import type { ChangeSet } from "../state.ts";
import {
  IPSETS,
  IPVS_INTERFACE,
  type IpvsConfig,
  type IpvsState,
  ipvsState,
  renderAddresses,
  renderIpset,
  renderIpvsadm,
  renderIpvsIptables,
} from "./render.ts";

export class IpvsUnavailableError extends Error {}

/** Fails unless the kernel has IPVS (loading the ip_vs module if needed). */
export async function checkIpvsSupport(runner: CommandRunner): Promise<void> {
  if ((await runner.run(["cat", "/proc/net/ip_vs"])).code === 0) return;
  const modprobe = await runner
    .run(["modprobe", "ip_vs"])
    .catch((e) => ({ code: -1, stderr: String(e), stdout: "" }));
  if ((await runner.run(["cat", "/proc/net/ip_vs"])).code === 0) return;
  throw new IpvsUnavailableError(
    `proxy mode "ipvs" needs the ip_vs kernel module, but this kernel has no IPVS support ` +
      `(/proc/net/ip_vs is missing and "modprobe ip_vs" failed: ${modprobe.stderr.trim() || `exit ${modprobe.code}`}); ` +
      `use --proxy-mode nftables or iptables`,
  );
}

export class IpvsBackend implements ProxyBackend {
  readonly mode = "ipvs" as const;
  #runner: CommandRunner;
  #cfg: IpvsConfig;
  #log: Logger;
  #committed: IpvsState | null = null;

  private constructor(runner: CommandRunner, cfg: IpvsConfig, log: Logger) {
    this.#runner = runner;
    this.#cfg = cfg;
    this.#log = log;
  }

  static async create(runner: CommandRunner, cfg: IpvsConfig, log: Logger): Promise<IpvsBackend> {
    await checkIpvsSupport(runner);
    return new IpvsBackend(runner, cfg, log);
  }

  async sync(changes: ChangeSet, full: boolean): Promise<void> {
    const next = ipvsState(changes.model.values(), this.#cfg);
    const prev = full ? null : this.#committed;
    const link = await this.#runner.run(["ip", "link", "show", IPVS_INTERFACE]);
    if (link.code !== 0) await mustRun(this.#runner, ["ip", "link", "add", IPVS_INTERFACE, "type", "dummy"]);
    await mustRun(this.#runner, ["ipset", "restore"], renderIpset(prev, next));
    const addrs = renderAddresses(prev, next);
    if (addrs) await mustRun(this.#runner, ["ip", "-force", "-batch", "-"], addrs);
    const ipvs = renderIpvsadm(full ? await this.#kernelState() : prev, next);
    if (ipvs) await mustRun(this.#runner, ["ipvsadm-restore"], ipvs);
    await ensureJumpRules(this.#runner, "nft");
    await mustRun(this.#runner, ["iptables-restore", "--noflush"], renderIpvsIptables(this.#cfg));
    this.#committed = next;
    this.#log.debug({ full, services: next.virtualServers.size }, "ipvs rules applied");
  }

  /** On a full sync the virtual servers are diffed against the kernel's, so nothing is flushed. */
  async #kernelState(): Promise<IpvsState | null> {
    const r = await this.#runner.run(["ipvsadm-save", "-n"]);
    if (r.code !== 0) return null;
    const state: IpvsState = { virtualServers: new Map(), sets: new Map(), addresses: new Set() };
    for (const line of r.stdout.split("\n")) {
      const vs = /^-A (-[tu]|--sctp-service) (\S+) -s (\S+)(?: -p (\d+))?/.exec(line);
      if (vs) {
        const service = `${vs[1]} ${vs[2]}`;
        state.virtualServers.set(service, {
          service,
          scheduler: vs[3]!,
          persistenceSeconds: Number(vs[4] ?? 0),
          reals: [],
        });
      }
      const real = /^-a (-[tu]|--sctp-service) (\S+) -r (\S+)/.exec(line);
      if (real) state.virtualServers.get(`${real[1]} ${real[2]}`)?.reals.push(real[3]!);
    }
    return state;
  }

  async cleanup(): Promise<void> {
    await IpvsBackend.cleanupKernel(this.#runner);
  }

  /** Removes the virtual servers, kube-ipvs0 and the KUBE-* ipsets (iptables chains are removed separately). */
  static async cleanupKernel(runner: CommandRunner): Promise<void> {
    if ((await runner.run(["cat", "/proc/net/ip_vs"])).code === 0) await runner.run(["ipvsadm", "-C"]);
    if ((await runner.run(["ip", "link", "show", IPVS_INTERFACE])).code === 0)
      await runner.run(["ip", "link", "del", IPVS_INTERFACE]);
    for (const [name] of IPSETS) await runner.run(["ipset", "destroy", name]);
  }
}
