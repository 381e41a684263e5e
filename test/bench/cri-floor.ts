// The pod-startup floor shared by the startup benchmarks: the same pods created by calling the CRI
// sequence directly (RunPodSandbox, CreateContainer, StartContainer, every pod concurrently) with no
// agent logic, timed to each container's startedAt as the runtime reports it.
import type { Pod } from "../../agent/api/pod.ts";
import { podLogDir } from "../../agent/logs/log-paths.ts";
import { containerConfig } from "../../agent/pod/container-config.ts";
import { sandboxConfig } from "../../agent/pod/sandbox-config.ts";
import { callUnary } from "../../cri/grpc/clients.ts";
import type { CriClients } from "../../cri/grpc/clients.ts";
import { toCriContainerConfig, toCriSandboxConfig } from "../../cri/grpc/mapping.ts";
import { BUSYBOX_IMAGE } from "../harness/images.ts";

export const CALL_TIMEOUT = 120_000;

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Figures {
  p50: number;
  p99: number;
  wall: number;
}

export function figures(perPodMs: number[]): Figures {
  return { p50: percentile(perPodMs, 50), p99: percentile(perPodMs, 99), wall: Math.max(...perPodMs) };
}

type Raw = Record<string, unknown>;

export async function startedAtMs(cri: CriClients, id: string): Promise<number> {
  const res = await callUnary<{ status: { started_at: string } }>(
    cri.runtime,
    "ContainerStatus",
    { container_id: id },
    CALL_TIMEOUT,
  );
  return Number(res.status.started_at.slice(0, -6));
}

export async function removeAllSandboxes(cri: CriClients): Promise<void> {
  const { items } = await callUnary<{ items: { id: string }[] }>(
    cri.runtime,
    "ListPodSandbox",
    {},
    CALL_TIMEOUT,
  );
  await Promise.all(
    items.map(async (s) => {
      await callUnary(cri.runtime, "StopPodSandbox", { pod_sandbox_id: s.id }, CALL_TIMEOUT);
      await callUnary(cri.runtime, "RemovePodSandbox", { pod_sandbox_id: s.id }, CALL_TIMEOUT);
    }),
  );
}

export interface FloorOptions {
  pods: number;
  /** Distinguishes the pods of successive rounds. */
  round: number | string;
  logsRoot: string;
  cgroupRoot: string;
}

/** One floor round: `pods` busybox pods at once through the bare CRI calls, then all removed. */
export async function criFloorRound(cri: CriClients, o: FloorOptions): Promise<Figures> {
  const pods: Pod[] = Array.from({ length: o.pods }, (_, i) => ({
    metadata: { name: `floor-${o.round}-${i}`, namespace: "default", uid: `floor-${o.round}-${i}-uid` },
    spec: { containers: [{ name: "main", image: BUSYBOX_IMAGE, command: ["sleep", "3600"] }] },
  }));
  const imageRef = (
    await callUnary<{ image: { id: string } }>(
      cri.image,
      "ImageStatus",
      { image: { image: BUSYBOX_IMAGE } },
      CALL_TIMEOUT,
    )
  ).image.id;
  const t0 = Date.now();
  const ids = await Promise.all(
    pods.map(async (pod) => {
      const sb = sandboxConfig(pod, {
        attempt: 0,
        logDirectory: podLogDir(o.logsRoot, "default", pod.metadata.name!, pod.metadata.uid!),
        cgroupParent: `${o.cgroupRoot}/floor/pod${pod.metadata.uid}`,
        dns: {
          servers: [],
          clusterDomain: "cluster.local",
          host: { servers: [], searches: [], options: [] },
        },
      });
      const { pod_sandbox_id } = await callUnary<{ pod_sandbox_id: string }>(
        cri.runtime,
        "RunPodSandbox",
        { config: toCriSandboxConfig(sb) },
        CALL_TIMEOUT,
      );
      const cc = containerConfig(pod, pod.spec.containers[0]!, {
        kind: "app",
        restartCount: 0,
        imageRef,
        envs: [],
        mounts: [],
        resources: {},
      });
      const { container_id } = await callUnary<{ container_id: string }>(
        cri.runtime,
        "CreateContainer",
        {
          pod_sandbox_id,
          config: toCriContainerConfig(cc, sb),
          sandbox_config: toCriSandboxConfig(sb),
        } as Raw,
        CALL_TIMEOUT,
      );
      await callUnary(cri.runtime, "StartContainer", { container_id }, CALL_TIMEOUT);
      return container_id;
    }),
  );
  const started = await Promise.all(ids.map((id) => startedAtMs(cri, id)));
  await removeAllSandboxes(cri);
  return figures(started.map((s) => s - t0));
}
