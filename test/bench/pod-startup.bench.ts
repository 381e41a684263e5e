// Pod startup benchmark: 30 pods dropped into the manifests directory at once, time from the file to
// every container running (the runtime's own startedAt), against the floor measured in the same run:
// the same 30 pods created by calling the CRI sequence directly (RunPodSandbox, CreateContainer,
// StartContainer, all pods concurrently) with no agent logic. Then nodelet's RSS with 100 pods.
//
//   npm run bench            (ROUNDS=2 by default; PODS=30; RSS_PODS=100)
import { readFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { callUnary, loadCriClients } from "../../cri/grpc/clients.ts";
import type { CriClients } from "../../cri/grpc/clients.ts";
import { CALL_TIMEOUT, criFloorRound, figures, startedAtMs } from "./cri-floor.ts";
import { startContainerd } from "../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../harness/images.ts";
import { startNodelet } from "../harness/nodelet.ts";

const PODS = Number(process.env.PODS ?? 30);
const RSS_PODS = Number(process.env.RSS_PODS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

function manifest(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${BUSYBOX_IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
`;
}

async function runningContainers(cri: CriClients): Promise<{ id: string; name: string }[]> {
  const { containers } = await callUnary<{
    containers: { id: string; state: string; labels: Record<string, string> }[];
  }>(cri.runtime, "ListContainers", { filter: { state: { state: "CONTAINER_RUNNING" } } }, CALL_TIMEOUT);
  return containers.map((c) => ({ id: c.id, name: c.labels["io.kubernetes.pod.name"] ?? "" }));
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const ctd = await startContainerd();
  const cri = await loadCriClients(ctd.endpoint);
  try {
    const ratios: { p50: number; p99: number }[] = [];
    // The floor runs while no nodelet runs (nodelet would rightly remove sandboxes it does not know).
    for (let round = 0; round < ROUNDS; round++) {
      const floor = await criFloorRound(cri, {
        pods: PODS,
        round,
        logsRoot: `${ctd.dir}/floor-logs`,
        cgroupRoot: ctd.cgroupRoot,
      });
      const nodelet = await startNodelet(ctd, {
        name: `r${round}`,
        extraArgs: ["--healthz-port", "0"],
        logLevel: "info",
      });
      try {
        const names = Array.from({ length: PODS }, (_, i) => `bench-${round}-${i}`);
        const t0 = Date.now();
        for (const n of names) nodelet.writeManifest(`${n}.yaml`, manifest(n));
        let running: { id: string; name: string }[] = [];
        for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(20)) {
          running = (await runningContainers(cri)).filter((c) => c.name.startsWith(`bench-${round}-`));
          if (running.length === PODS) break;
        }
        if (running.length !== PODS) throw new Error(`only ${running.length}/${PODS} pods running`);
        const started = await Promise.all(running.map((c) => startedAtMs(cri, c.id)));
        const agent = figures(started.map((s) => s - t0));
        console.log(
          `round ${round + 1} (${PODS} pods at once): floor p50 ${floor.p50} ms p99 ${floor.p99} ms wall ${floor.wall} ms | ` +
            `nodelet p50 ${agent.p50} ms p99 ${agent.p99} ms wall ${agent.wall} ms | ` +
            `ratio p50 ${(agent.p50 / floor.p50).toFixed(2)}x p99 ${(agent.p99 / floor.p99).toFixed(2)}x wall ${(agent.wall / floor.wall).toFixed(2)}x`,
        );
        ratios.push({ p50: agent.p50 / floor.p50, p99: agent.p99 / floor.p99 });
        for (const n of names) rmSync(`${nodelet.manifestsDir}/${n}.yaml`);
        for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
          const { items } = await callUnary<{ items: unknown[] }>(
            cri.runtime,
            "ListPodSandbox",
            {},
            CALL_TIMEOUT,
          );
          if (items.length === 0) break;
        }
      } finally {
        await nodelet.stop();
      }
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `median over ${ROUNDS} rounds: nodelet/floor p50 ${median(ratios.map((r) => r.p50)).toFixed(2)}x, p99 ${median(ratios.map((r) => r.p99)).toFixed(2)}x (target <= 1.15x)`,
    );
    const nodelet = await startNodelet(ctd, {
      name: "rss",
      extraArgs: ["--healthz-port", "0"],
      logLevel: "info",
    });
    try {
      const names = Array.from({ length: RSS_PODS }, (_, i) => `rss-${i}`);
      for (const n of names) nodelet.writeManifest(`${n}.yaml`, manifest(n));
      for (const deadline = Date.now() + 300_000; Date.now() < deadline; await sleep(500)) {
        if ((await runningContainers(cri)).length === RSS_PODS) break;
      }
      await sleep(5_000);
      const pid = nodelet.pid();
      console.log(
        `nodelet RSS with ${RSS_PODS} running pods: ${rssMiB(pid).toFixed(1)} MiB (target < 120 MiB)`,
      );
    } finally {
      await nodelet.stop();
    }
  } finally {
    cri.close();
    await ctd.stop();
  }
}

await main();
