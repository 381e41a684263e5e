// Proxy benchmark: 1k and 10k Services × 10 endpoints, nftables and iptables (legacy flavour).
// (a) full sync (render + apply) vs the kernel apply alone of the same ruleset (the floor),
// (b) one changed endpoint and one added Service at the largest size, (c) RSS.
// Runs itself inside a network namespace it creates (never touches the host's tables).
// Usage: npm run bench:proxy [-- --sizes 1000,10000 --modes nftables,iptables,iptables-nft]
// (iptables-nft at 10k takes far too long in the kernel: see RUNTIME-NOTES; run it with --sizes 1000.)
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EndpointSlice } from "../../agent/api/endpointslice.ts";
import type { Service } from "../../agent/api/service.ts";
import { silentLogger } from "../../agent/log.ts";
import type { ProxyBackend } from "../../proxy/backend.ts";
import { ExecRunner } from "../../proxy/exec.ts";
import { formatIPv4 } from "../../proxy/ipv4.ts";
import { IptablesBackend } from "../../proxy/iptables/proxier.ts";
import { cleanupIptables } from "../../proxy/iptables/flavour.ts";
import { deleteNftTable, NftablesBackend } from "../../proxy/nftables/proxier.ts";
import { ProxyState } from "../../proxy/state.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const sizes = opt("sizes", "1000,10000").split(",").map(Number);
const modes = opt("modes", "nftables,iptables").split(",");
const ENDPOINTS = 10;

function service(i: number): Service {
  return {
    metadata: { name: `svc-${i}`, namespace: "bench" },
    spec: {
      clusterIP: formatIPv4(0x0a600000 + 10 + i),
      ports: [{ name: "http", port: 80, targetPort: 8080 }],
    },
  };
}

function slice(i: number, generation = 0): EndpointSlice {
  return {
    metadata: {
      name: `svc-${i}-abc`,
      namespace: "bench",
      labels: { "kubernetes.io/service-name": `svc-${i}` },
    },
    addressType: "IPv4",
    endpoints: Array.from({ length: ENDPOINTS }, (_, j) => ({
      addresses: [formatIPv4(0x0af40000 + i * ENDPOINTS + j + (j === 0 ? generation * 0x100000 : 0))],
      conditions: { ready: true },
    })),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  return fn().then((v) => [performance.now() - t0, v]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  mode: string;
  n: number;
  full: number;
  floor: number;
  change: number[];
  add: number[];
  rss: number;
}

async function benchOne(mode: string, n: number): Promise<Row> {
  const runner = new ExecRunner();
  const log = silentLogger();
  const state = new ProxyState("bench-node");
  for (let i = 0; i < n; i++) {
    state.upsertService(service(i));
    state.upsertEndpointSlice(slice(i));
  }
  let backend: ProxyBackend;
  let renderFull: () => string;
  let applyFloor: (file: string) => string[];
  let reset: () => Promise<void>;
  if (mode === "nftables") {
    const b = new NftablesBackend(runner, { nodePortCIDRs: [] }, log, ["nft"]);
    backend = b;
    renderFull = () => b.ruleset.planFull(state.takeChanges().model).script;
    applyFloor = (file) => ["nft", "-f", file];
    reset = () => deleteNftTable(runner);
  } else {
    // "iptables" = legacy flavour (what makes 10k feasible); "iptables-nft" = the host's default flavour.
    const flavour = mode === "iptables-nft" ? "nft" : "legacy";
    const b = new IptablesBackend(runner, { nodePortCIDRs: [], flavour }, log);
    backend = b;
    renderFull = () =>
      new IptablesBackend(runner, { nodePortCIDRs: [], flavour }, log).render(state.takeChanges(), true).text;
    applyFloor = (file) => [`iptables-${flavour}-restore`, "--noflush", file];
    reset = () => cleanupIptables(runner, flavour);
  }
  await reset();
  // Floor first: the kernel apply alone of the same full ruleset into an empty namespace state.
  const file = join(tmpdir(), `nodelet-bench-${mode}-${n}.rules`);
  writeFileSync(file, renderFull());
  const floorArgs = applyFloor(file);
  const t0 = performance.now();
  execFileSync(floorArgs[0]!, floorArgs.slice(1), { maxBuffer: 1 << 30 });
  const floor = performance.now() - t0;
  await reset();
  // Full sync by nodelet: model build + render + apply.
  for (let i = 0; i < n; i++) state.upsertService(service(i));
  const [full] = await time(async () => backend.sync(state.takeChanges(), true));
  const change: number[] = [];
  const add: number[] = [];
  for (let k = 1; k <= 5; k++) {
    const target = (k * 7919) % n;
    const [c] = await time(async () => {
      state.upsertEndpointSlice(slice(target, k));
      await backend.sync(state.takeChanges(), false);
    });
    change.push(c);
    const [a] = await time(async () => {
      state.upsertService(service(n + k));
      state.upsertEndpointSlice(slice(n + k));
      await backend.sync(state.takeChanges(), false);
    });
    add.push(a);
  }
  globalThis.gc?.();
  const rss = process.memoryUsage().rss;
  backend.close?.();
  await reset();
  return { mode, n, full, floor, change, add, rss };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const mode of modes) {
    for (const n of sizes) {
      const row = await benchOne(mode, n);
      rows.push(row);
      const f = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
      console.log(
        `${mode.padEnd(9)} ${String(n).padStart(6)} svc × ${ENDPOINTS}: full sync ${f(row.full)}, kernel floor ${f(row.floor)} ` +
          `(ratio ${(row.full / row.floor).toFixed(2)}); one endpoint change ${f(median(row.change))} ` +
          `(min ${f(Math.min(...row.change))}); one added Service ${f(median(row.add))} (min ${f(Math.min(...row.add))}); ` +
          `RSS ${(row.rss / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  }
  console.log(JSON.stringify(rows));
}

if (!args.includes("--inner")) {
  const ns = `nlbench${process.pid}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(
      "ip",
      ["netns", "exec", ns, process.execPath, "--expose-gc", self, ...args, "--inner"],
      {
        stdio: "inherit",
      },
    );
    process.exitCode = r.status ?? 1;
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
} else {
  await main();
}
