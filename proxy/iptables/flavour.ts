// iptables flavour (legacy vs nf_tables-based) and removal of nodelet's KUBE-* chains. Like the
// kube-proxy images' iptables wrapper: follow whichever flavour already holds rules, else the
// flavour of the `iptables` on PATH.
import { type CommandRunner, mustRun } from "../exec.ts";

export type IptablesFlavour = "nft" | "legacy";

export function iptablesBinary(flavour: IptablesFlavour, tool: "" | "-save" | "-restore"): string {
  return `iptables-${flavour}${tool}`;
}

function ruleCount(save: string): number {
  return save.split("\n").filter((l) => l.startsWith("-A ")).length;
}

export async function detectIptablesFlavour(runner: CommandRunner): Promise<IptablesFlavour> {
  const legacy = await runner.run(["iptables-legacy-save"]);
  const nft = await runner.run(["iptables-nft-save"]);
  const l = legacy.code === 0 ? ruleCount(legacy.stdout) : 0;
  const n = nft.code === 0 ? ruleCount(nft.stdout) : 0;
  if (l > n) return "legacy";
  if (n > l) return "nft";
  const version = await runner.run(["iptables", "-V"]);
  return /legacy/.test(version.stdout) ? "legacy" : "nft";
}

type JumpRule = [table: string, chain: string, spec: string[]];

/** One jump per built-in chain into `target`, with kube-proxy's comment; `newOnly` matches new connections. */
function jumps(
  table: string,
  chains: string[],
  comment: string,
  target: string,
  newOnly = false,
): JumpRule[] {
  const state = newOnly ? ["-m", "conntrack", "--ctstate", "NEW"] : [];
  return chains.map((chain) => [
    table,
    chain,
    [...state, "-m", "comment", "--comment", comment, "-j", target],
  ]);
}

/** The rules in built-in chains that send traffic into nodelet's chains: [table, chain, rule spec]. */
export const JUMP_RULES: JumpRule[] = [
  ...jumps("nat", ["PREROUTING", "OUTPUT"], "kubernetes service portals", "KUBE-SERVICES"),
  ...jumps("nat", ["POSTROUTING"], "kubernetes postrouting rules", "KUBE-POSTROUTING"),
  ...jumps(
    "filter",
    ["INPUT", "FORWARD"],
    "kubernetes externally-visible service portals",
    "KUBE-EXTERNAL-SERVICES",
    true,
  ),
  ...jumps("filter", ["FORWARD", "OUTPUT"], "kubernetes service portals", "KUBE-SERVICES", true),
];

/** Makes sure each jump rule exists once (inserted first in its built-in chain). */
export async function ensureJumpRules(runner: CommandRunner, flavour: IptablesFlavour): Promise<void> {
  const bin = iptablesBinary(flavour, "");
  for (const [table, chain, spec] of JUMP_RULES) {
    const target = spec[spec.length - 1]!;
    // `-N` (not a restore with `:CHAIN`, which would flush a live chain); fails harmlessly if it exists.
    await runner.run([bin, "-w", "-t", table, "-N", target]);
    const check = await runner.run([bin, "-w", "-t", table, "-C", chain, ...spec]);
    if (check.code !== 0) await mustRun(runner, [bin, "-w", "-t", table, "-I", chain, "1", ...spec]);
  }
}

/** Removes the jump rules and every KUBE-* chain in the nat and filter tables of `flavour`. */
export async function cleanupIptables(runner: CommandRunner, flavour: IptablesFlavour): Promise<void> {
  const bin = iptablesBinary(flavour, "");
  const probe = await runner.run([iptablesBinary(flavour, "-save")]);
  if (probe.code !== 0 || !probe.stdout.includes("KUBE-")) return;
  for (const [table, chain, spec] of JUMP_RULES) {
    for (let i = 0; i < 10; i++) {
      const r = await runner.run([bin, "-w", "-t", table, "-D", chain, ...spec]);
      if (r.code !== 0) break;
    }
  }
  for (const table of ["nat", "filter", "mangle"]) {
    const save = await runner.run([iptablesBinary(flavour, "-save"), "-t", table]);
    if (save.code !== 0) continue;
    // Any remaining rule in a built-in chain that jumps to a KUBE-* chain (e.g. ipvs mode's) goes too.
    const stray = save.stdout.split("\n").filter((l) => /^-A (?!KUBE-)\S+ .*-j KUBE-/.test(l));
    const chains = [...save.stdout.matchAll(/^:(KUBE-\S+)/gm)].map((m) => m[1]!);
    if (chains.length === 0) continue;
    const lines = [
      `*${table}`,
      ...stray.map((l) => l.replace(/^-A /, "-D ")),
      ...chains.map((c) => `:${c} - [0:0]`),
    ];
    lines.push(...chains.map((c) => `-X ${c}`), "COMMIT", "");
    await mustRun(runner, [iptablesBinary(flavour, "-restore"), "--noflush"], lines.join("\n"));
  }
}
