// Entry points the CLI wires up: startProxy (the kube-proxy half) and cleanupProxy (`--cleanup`).
import type { Server } from "node:http";
import type { Logger } from "../agent/log.ts";
import type { ProxyBackend, ProxyMode } from "./backend.ts";
import { type CommandRunner, ExecRunner } from "./exec.ts";
import { startHealthServer, startMetricsServer } from "./health.ts";
import { HealthCheckServers, healthCheckTargets } from "./healthcheck.ts";
import { parseCidr } from "./ipv4.ts";
import { cleanupIptables, detectIptablesFlavour, type IptablesFlavour } from "./iptables/flavour.ts";
import { IptablesBackend } from "./iptables/proxier.ts";
import { IpvsBackend } from "./ipvs/proxier.ts";
import { ProxyMetrics } from "./metrics.ts";
import { deleteNftTable, NftablesBackend } from "./nftables/proxier.ts";
import { ProxyState } from "./state.ts";
import { ProxySyncer } from "./syncer.ts";

export interface ProxyOptions {
  mode: ProxyMode;
  nodeName: string;
  nodeIPs: string[];
  clusterCIDR?: string;
  serviceCIDR: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  /** CIDRs whose local addresses accept NodePorts (all local addresses when empty). */
  nodePortAddresses?: string[];
  /** "host:port"; empty string disables. Default 0.0.0.0:10256. */
  healthzBind?: string;
  /** "host:port"; empty string disables. Default 127.0.0.1:10249. */
  metricsBind?: string;
  /** Serve healthCheckNodePorts of Local Services (default true). */
  healthCheckNodePorts?: boolean;
  logger: Logger;
  /** Run every kernel tool inside this named network namespace (tests). */
  netns?: string;
  iptablesFlavour?: IptablesFlavour;
  ipvsScheduler?: string;
}

export interface ProxyHandle {
  state: ProxyState;
  syncer: ProxySyncer;
  metrics: ProxyMetrics;
  backend: ProxyBackend;
  stop(): Promise<void>;
}

function checkCidrs(list: string[] | undefined, what: string): string[] {
  return (list ?? []).map((c) => {
    const p = parseCidr(c);
    if (!p) throw new Error(`${what}: invalid CIDR ${c}`);
    return p.text;
  });
}

async function makeBackend(opts: ProxyOptions, runner: ExecRunner): Promise<ProxyBackend> {
  const clusterCIDR = opts.clusterCIDR ? checkCidrs([opts.clusterCIDR], "clusterCIDR")[0] : undefined;
  const nodePortCIDRs = checkCidrs(opts.nodePortAddresses, "nodePortAddresses");
  const log = opts.logger.child({ proxyMode: opts.mode });
  if (opts.mode === "nftables") {
    return new NftablesBackend(runner, { clusterCIDR, nodePortCIDRs }, log, runner.argv(["nft"]));
  }
  if (opts.mode === "iptables") {
    const flavour = opts.iptablesFlavour ?? (await detectIptablesFlavour(runner));
    return new IptablesBackend(runner, { clusterCIDR, nodePortCIDRs, flavour }, log);
  }
  return IpvsBackend.create(
    runner,
    { clusterCIDR, scheduler: opts.ipvsScheduler ?? "rr", nodeIPs: opts.nodeIPs },
    log,
  );
}

/** Removes the rules of the modes other than `mode` (switching modes). */
async function cleanupOtherModes(mode: ProxyMode, runner: CommandRunner, log: Logger): Promise<void> {
  if (mode !== "nftables") await deleteNftTable(runner);
  if (mode === "nftables") {
    for (const flavour of ["nft", "legacy"] as const) {
      await cleanupIptables(runner, flavour).catch((err) =>
        log.warn({ err: String(err), flavour }, "iptables cleanup"),
      );
    }
  }
}

export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const log = opts.logger.child({ component: "proxy" });
  const runner = new ExecRunner(opts.netns);
  const backend = await makeBackend(opts, runner);
  await cleanupOtherModes(opts.mode, runner, log);
  const state = new ProxyState(opts.nodeName);
  const metrics = new ProxyMetrics();
  const hcServers = opts.healthCheckNodePorts === false ? null : new HealthCheckServers(log);
  const syncer = new ProxySyncer({
    onSynced: hcServers ? (model) => hcServers.update(healthCheckTargets(model)) : undefined,
    state,
    backend,
    runner,
    metrics,
    logger: log,
    minSyncPeriodMs: opts.minSyncPeriodMs,
    syncPeriodMs: opts.syncPeriodMs,
  });
  const servers: Server[] = [];
  try {
    const healthBind = opts.healthzBind ?? "0.0.0.0:10256";
    if (healthBind !== "") servers.push(await startHealthServer(healthBind, syncer, opts.syncPeriodMs));
    const metricsBind = opts.metricsBind ?? "127.0.0.1:10249";
    if (metricsBind !== "") servers.push(await startMetricsServer(metricsBind, metrics));
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  syncer.start();
  log.info({ mode: opts.mode }, "service proxy started");
  return {
    state,
    syncer,
    metrics,
    backend,
    async stop() {
      await syncer.stop();
      backend.close?.();
      hcServers?.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** `nodelet proxy --cleanup`: removes every rule nodelet created, in every mode. */
export async function cleanupProxy(logger: Logger, netns?: string): Promise<void> {
  const runner = new ExecRunner(netns);
  await deleteNftTable(runner);
  for (const flavour of ["nft", "legacy"] as const) {
    await cleanupIptables(runner, flavour).catch((err) =>
      logger.warn({ err: String(err), flavour }, "iptables cleanup failed"),
    );
  }
  await IpvsBackend.cleanupKernel(runner).catch((err) =>
    logger.warn({ err: String(err) }, "ipvs cleanup failed"),
  );
  logger.info("service proxy rules removed");
}
