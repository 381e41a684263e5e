// The agent-facing VolumeMounter (agent/pod/ports.ts): everything a container needs mounted,
// from the pod's prepared volumes — subPath directories created, /etc/hosts written for pods off
// the host network, plus the mounts the caller adds (e.g. the termination log).
import type { Mount } from "../../cri/runtime.ts";
import type { Container, Pod } from "../api/pod.ts";
import type { VolumeMounter } from "../pod/ports.ts";
import { containerMounts, ensureSubPaths } from "./container-mounts.ts";
import { podHostnameAndDomain, writeEtcHosts } from "./etc-hosts.ts";
import type { PreparedVolume } from "./volume-plugin.ts";
import { podDir } from "./volume-paths.ts";

export interface PodVolumeMounterOptions {
  rootDir: string;
  clusterDomain?: string;
}

export class PodVolumeMounter implements VolumeMounter {
  private readonly rootDir: string;
  private readonly clusterDomain: string;

  constructor(opts: PodVolumeMounterOptions) {
    this.rootDir = opts.rootDir;
    this.clusterDomain = opts.clusterDomain ?? "cluster.local";
  }

  async containerMounts(
    pod: Pod,
    container: Container,
    volumes: Map<string, PreparedVolume>,
    extra: Mount[],
  ): Promise<Mount[]> {
    const dir = podDir(this.rootDir, pod.metadata.uid ?? "");
    await ensureSubPaths(container, volumes);
    const podIPs = (pod.status?.podIPs ?? []).map((p) => p.ip);
    if (podIPs.length === 0 && pod.status?.podIP) podIPs.push(pod.status.podIP);
    const etcHosts = pod.spec.hostNetwork !== true && podIPs.length > 0;
    if (etcHosts) {
      await writeEtcHosts(dir, {
        podIPs,
        ...podHostnameAndDomain(pod, this.clusterDomain),
        hostAliases: pod.spec.hostAliases ?? [],
      });
    }
    const mounts = containerMounts(container, volumes, dir, { etcHosts });
    const taken = new Set(mounts.map((m) => m.containerPath));
    return [...mounts, ...extra.filter((m) => !taken.has(m.containerPath))];
  }
}
