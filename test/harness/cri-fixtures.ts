// CRI objects for tests that drive the runtime directly (no agent): a plain pod sandbox.
import { randomUUID } from "node:crypto";
import type { SandboxConfig } from "../../cri/runtime.ts";

/** A sandbox on the pod network, its cgroup under the test's cgroup root, labelled with its pod UID. */
export function testSandboxConfig(
  name: string,
  cgroupRoot: string,
  logDirectory: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): SandboxConfig {
  const uid = randomUUID();
  return {
    metadata: { name, uid, namespace: "default", attempt: 0 },
    hostname: name,
    logDirectory,
    portMappings: [],
    labels: { "io.kubernetes.pod.uid": uid, ...extra.labels },
    annotations: { ...extra.annotations },
    linux: {
      cgroupParent: `${cgroupRoot}/pod${uid}`,
      namespaceOptions: { network: "pod", pid: "container", ipc: "pod" },
    },
  };
}
