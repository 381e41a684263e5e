// Wiring of the volume layer into the pod syncer (temporary minimal implementation: emptyDir and
// hostPath directories; replaced by the volume manager).
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Container, Pod } from "../api/pod.ts";
import type { Mount } from "../../cri/runtime.ts";
import type { Logger } from "../log.ts";
import type { PodVolumes, VolumeMounter } from "../pod/ports.ts";

export function podVolumes(rootDir: string, log: Logger): { manager: PodVolumes; mounter: VolumeMounter } {
  const podDir = (uid: string) => join(rootDir, "pods", uid);
  const manager: PodVolumes = {
    podDir,
    async setUp(pod: Pod) {
      const out = new Map<string, { hostPath: string; readOnly: boolean }>();
      for (const v of pod.spec.volumes ?? []) {
        if (v.emptyDir) {
          const p = join(podDir(pod.metadata.uid ?? ""), "volumes", "kubernetes.io~empty-dir", v.name);
          await mkdir(p, { recursive: true });
          out.set(v.name, { hostPath: p, readOnly: false });
        } else if (v.hostPath) {
          out.set(v.name, { hostPath: v.hostPath.path, readOnly: false });
        }
      }
      return out;
    },
    async tearDown(uid: string) {
      await rm(podDir(uid), { recursive: true, force: true });
      log.debug({ podUid: uid }, "pod volumes torn down");
    },
    async listPodDirs() {
      return [];
    },
  };
  const mounter: VolumeMounter = {
    async containerMounts(_pod: Pod, c: Container, volumes, extra: Mount[]) {
      const mounts = (c.volumeMounts ?? []).flatMap((m) => {
        const v = volumes.get(m.name);
        return v ? [{ containerPath: m.mountPath, hostPath: v.hostPath, readonly: m.readOnly ?? false }] : [];
      });
      return [...mounts, ...extra];
    },
  };
  return { manager, mounter };
}
