// Stale UDP conntrack entries: UDP has no connection teardown, so an entry DNATed to an endpoint
// that went away keeps black-holing the client's flow until it is deleted.
import { clusterEndpoints, externalEndpoints, type ServicePortInfo } from "./model.ts";
import type { CommandRunner } from "./exec.ts";

export interface ConntrackDeletion {
  /** Arguments after `conntrack -D`. */
  args: string[];
}

function frontends(sp: ServicePortInfo): { addr?: string; port: number; endpoints: Set<string> }[] {
  const cluster = new Set(clusterEndpoints(sp).map((e) => e.ip));
  const external = new Set(externalEndpoints(sp).map((e) => e.ip));
  const out: { addr?: string; port: number; endpoints: Set<string> }[] = [];
  if (sp.clusterIP) out.push({ addr: sp.clusterIP, port: sp.port, endpoints: cluster });
  for (const a of [...sp.externalIPs, ...sp.loadBalancerIPs])
    out.push({ addr: a, port: sp.port, endpoints: external });
  if (sp.nodePort > 0) out.push({ port: sp.nodePort, endpoints: external });
  return out;
}

/**
 * The conntrack deletions needed after moving from `before` to `after` for UDP Service ports:
 * flows NATed to an endpoint that is no longer used, and every flow of a frontend that had no
 * endpoints before (its packets were rejected, the entries must not linger).
 */
export function staleUdpFlows(before: ServicePortInfo[], after: ServicePortInfo[]): ConntrackDeletion[] {
  const out: ConntrackDeletion[] = [];
  const afterById = new Map(after.map((sp) => [sp.id, sp]));
  for (const old of before) {
    if (old.protocol !== "UDP") continue;
    const now = afterById.get(old.id);
    const nowFrontends = new Map(
      (now ? frontends(now) : []).map((f) => [`${f.addr ?? "node"}:${f.port}`, f.endpoints] as const),
    );
    for (const f of frontends(old)) {
      const still = nowFrontends.get(`${f.addr ?? "node"}:${f.port}`) ?? new Set<string>();
      const match = f.addr ? ["--orig-dst", f.addr] : [];
      for (const ip of f.endpoints) {
        if (!still.has(ip))
          out.push({ args: ["-p", "udp", ...match, "--orig-port-dst", String(f.port), "--dst-nat", ip] });
      }
    }
  }
  const beforeById = new Map(before.map((sp) => [sp.id, sp]));
  for (const sp of after) {
    if (sp.protocol !== "UDP") continue;
    const old = beforeById.get(sp.id);
    const oldFrontends = new Map(
      (old ? frontends(old) : []).map((f) => [`${f.addr ?? "node"}:${f.port}`, f.endpoints] as const),
    );
    for (const f of frontends(sp)) {
      const was = oldFrontends.get(`${f.addr ?? "node"}:${f.port}`);
      if (f.endpoints.size > 0 && (!was || was.size === 0)) {
        const match = f.addr ? ["--orig-dst", f.addr] : [];
        out.push({ args: ["-p", "udp", ...match, "--orig-port-dst", String(f.port)] });
      }
    }
  }
  return out;
}

/** Deletes the flows; "0 flow entries" (exit 1) is not an error. */
export async function deleteFlows(runner: CommandRunner, deletions: ConntrackDeletion[]): Promise<void> {
  for (const d of deletions) await runner.run(["conntrack", "-D", ...d.args]);
}
