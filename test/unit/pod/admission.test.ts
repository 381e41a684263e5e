import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Container, Pod, PodSpec } from "../../../agent/api/pod.ts";
import {
  type AdmissionContext,
  admitInOrder,
  admitPod,
  rejectedStatus,
} from "../../../agent/pod/admission.ts";

let n = 0;
function pod(spec: Partial<PodSpec> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  n++;
  return {
    metadata: {
      name: `p${n}`,
      namespace: "ns",
      uid: `u${n}`,
      creationTimestamp: "2025-01-01T00:00:00Z",
      ...meta,
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1.36" }], ...spec },
  };
}

const requesting = (requests: Record<string, string>, extra: Partial<Container> = {}): Container => ({
  name: "c",
  image: "busybox:1.36",
  resources: { requests },
  ...extra,
});

const base: AdmissionContext = {
  node: {
    name: "n1",
    labels: { "kubernetes.io/os": "linux", "kubernetes.io/hostname": "n1", zone: "a", rack: "7" },
    allocatable: { cpu: "1900m", memory: "4Gi", pods: "110", "ephemeral-storage": "10Gi" },
  },
  admitted: [],
};

const ctx = (
  over: Partial<AdmissionContext> = {},
  node: Partial<AdmissionContext["node"]> = {},
): AdmissionContext => ({
  ...base,
  ...over,
  node: { ...base.node, ...node },
});

describe("admitPod", () => {
  const cases: { name: string; pod: Pod; ctx: AdmissionContext; reason?: string; message?: string }[] = [
    { name: "a plain pod", pod: pod(), ctx: ctx() },
    {
      name: "cpu beyond what is left",
      pod: pod({ containers: [requesting({ cpu: "2" })] }),
      ctx: ctx({ admitted: [pod({ containers: [requesting({ cpu: "500m" })] })] }),
      reason: "OutOfcpu",
      message: "Node didn't have enough resource: cpu, requested: 2000, used: 500, capacity: 1900",
    },
    {
      name: "cpu that just fits",
      pod: pod({ containers: [requesting({ cpu: "1400m" })] }),
      ctx: ctx({ admitted: [pod({ containers: [requesting({ cpu: "500m" })] })] }),
    },
    {
      name: "memory (bytes)",
      pod: pod({ containers: [requesting({ memory: "3Gi" })] }),
      ctx: ctx({ admitted: [pod({ containers: [requesting({ memory: "2Gi" })] })] }),
      reason: "OutOfmemory",
      message:
        "Node didn't have enough resource: memory, requested: 3221225472, used: 2147483648, capacity: 4294967296",
    },
    {
      name: "ephemeral-storage",
      pod: pod({ containers: [requesting({ "ephemeral-storage": "11Gi" })] }),
      ctx: ctx(),
      reason: "OutOfephemeral-storage",
    },
    {
      name: "pods count (maxPods)",
      pod: pod(),
      ctx: ctx({ admitted: [pod(), pod()] }, { allocatable: { ...base.node.allocatable, pods: "2" } }),
      reason: "OutOfpods",
      message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2",
    },
    {
      name: "pods count is checked before cpu",
      pod: pod({ containers: [requesting({ cpu: "5" })] }),
      ctx: ctx({ admitted: [pod()] }, { allocatable: { ...base.node.allocatable, pods: "1" } }),
      reason: "OutOfpods",
    },
    {
      name: "a limit alone counts as the request",
      pod: pod({ containers: [{ name: "c", image: "x", resources: { limits: { cpu: "3" } } }] }),
      ctx: ctx(),
      reason: "OutOfcpu",
    },
    {
      name: "init containers: the peak, not the sum",
      pod: pod({
        initContainers: [
          requesting({ cpu: "1500m" }, { name: "i1" }),
          requesting({ cpu: "1500m" }, { name: "i2" }),
        ],
        containers: [requesting({ cpu: "100m" })],
      }),
      ctx: ctx(),
    },
    {
      name: "sidecars add to the app containers",
      pod: pod({
        initContainers: [requesting({ cpu: "1" }, { name: "side", restartPolicy: "Always" })],
        containers: [requesting({ cpu: "1" })],
      }),
      ctx: ctx(),
      reason: "OutOfcpu",
      message: "Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1900",
    },
    {
      name: "pod overhead counts",
      pod: pod({ containers: [requesting({ cpu: "1800m" })], overhead: { cpu: "200m" } }),
      ctx: ctx(),
      reason: "OutOfcpu",
    },
    {
      name: "an extended resource the node does not have is ignored",
      pod: pod({ containers: [requesting({ "example.com/gpu": "1" })] }),
      ctx: ctx(),
    },
    {
      name: "an extended resource the node has too few of",
      pod: pod({ containers: [requesting({ "example.com/gpu": "2" })] }),
      ctx: ctx({}, { allocatable: { ...base.node.allocatable, "example.com/gpu": "1" } }),
      reason: "OutOfexample.com/gpu",
    },
    {
      name: "hugepages the node lacks",
      pod: pod({ containers: [requesting({ "hugepages-2Mi": "4Mi", memory: "4Mi" })] }),
      ctx: ctx(),
      reason: "OutOfhugepages-2Mi",
    },
    {
      name: "bound to another node",
      pod: pod({ nodeName: "n2" }),
      ctx: ctx(),
      reason: "NodeName",
      message: "Predicate NodeName failed: node(s) didn't match the requested node name",
    },
    {
      name: "nodeSelector mismatch",
      pod: pod({ nodeSelector: { zone: "b" } }),
      ctx: ctx(),
      reason: "NodeAffinity",
      message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    },
    { name: "nodeSelector match", pod: pod({ nodeSelector: { zone: "a" } }), ctx: ctx() },
    {
      name: "required node affinity: one of the terms matches (In, Gt)",
      pod: pod({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] },
                {
                  matchExpressions: [
                    { key: "rack", operator: "Gt", values: ["5"] },
                    { key: "gpu", operator: "DoesNotExist" },
                  ],
                },
              ],
            },
          },
        },
      }),
      ctx: ctx(),
    },
    {
      name: "required node affinity by node name field",
      pod: pod({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["n1"] }] },
              ],
            },
          },
        },
      }),
      ctx: ctx(),
      reason: "NodeAffinity",
    },
    {
      name: "pod OS windows",
      pod: pod({ os: { name: "windows" } }),
      ctx: ctx(),
      reason: "PodOSNotSupported",
      message: "Failed to admit pod as the OS field doesn't match node OS",
    },
    {
      name: "pod label kubernetes.io/os=windows",
      pod: pod({}, { labels: { "kubernetes.io/os": "windows" } }),
      ctx: ctx(),
      reason: "PodOSSelectorNodeLabelDoesNotMatch",
    },
    {
      name: "untolerated NoExecute taint",
      pod: pod(),
      ctx: ctx({}, { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] }),
      reason: "TaintToleration",
      message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    },
    {
      name: "tolerated NoExecute taint",
      pod: pod({ tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoExecute" }] }),
      ctx: ctx({}, { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] }),
    },
    {
      name: "NoSchedule taints are the scheduler's business",
      pod: pod(),
      ctx: ctx({}, { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
    },
    {
      name: "static pods ignore taints",
      pod: pod({}, { annotations: { "kubernetes.io/config.source": "file" } }),
      ctx: ctx({}, { taints: [{ key: "dedicated", effect: "NoExecute" }] }),
    },
    {
      name: "host port taken by an admitted pod",
      pod: pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] }] }),
      ctx: ctx({
        admitted: [
          pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 81, hostPort: 8080 }] }] }),
        ],
      }),
      reason: "NodePorts",
    },
    {
      name: "same host port, other protocol",
      pod: pod({
        containers: [
          { name: "c", image: "x", ports: [{ containerPort: 80, hostPort: 8080, protocol: "UDP" }] },
        ],
      }),
      ctx: ctx({
        admitted: [
          pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 81, hostPort: 8080 }] }] }),
        ],
      }),
    },
    {
      name: "memory pressure rejects BestEffort",
      pod: pod(),
      ctx: ctx({}, { pressure: ["MemoryPressure"] }),
      reason: "Evicted",
      message: "The node had condition: [MemoryPressure]. ",
    },
    {
      name: "memory pressure admits Burstable",
      pod: pod({ containers: [requesting({ memory: "10Mi" })] }),
      ctx: ctx({}, { pressure: ["MemoryPressure"] }),
    },
    {
      name: "disk pressure rejects all but critical pods",
      pod: pod({ containers: [requesting({ memory: "10Mi" })] }),
      ctx: ctx({}, { pressure: ["DiskPressure"] }),
      reason: "Evicted",
    },
    {
      name: "disk pressure admits a static pod",
      pod: pod({}, { annotations: { "kubernetes.io/config.source": "file" } }),
      ctx: ctx({}, { pressure: ["DiskPressure"] }),
    },
    {
      name: "safe sysctl",
      pod: pod({
        securityContext: { sysctls: [{ name: "net.ipv4.ip_local_port_range", value: "1024 65535" }] },
      }),
      ctx: ctx(),
    },
    {
      name: "unsafe sysctl not allowed",
      pod: pod({ securityContext: { sysctls: [{ name: "net.core.somaxconn", value: "1024" }] } }),
      ctx: ctx(),
      reason: "SysctlForbidden",
      message: 'forbidden sysctl: "net.core.somaxconn" not allowlisted',
    },
    {
      name: "unsafe sysctl allowed by pattern, slash form",
      pod: pod({ securityContext: { sysctls: [{ name: "net/core/somaxconn", value: "1024" }] } }),
      ctx: ctx({ allowedUnsafeSysctls: ["net.core.*"] }),
    },
    {
      name: "net sysctl with hostNetwork",
      pod: pod({
        hostNetwork: true,
        securityContext: { sysctls: [{ name: "net.ipv4.tcp_syncookies", value: "1" }] },
      }),
      ctx: ctx(),
      reason: "SysctlForbidden",
      message: 'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled',
    },
    {
      name: "hostUsers false without user namespace support",
      pod: pod({ hostUsers: false }),
      ctx: ctx({ userNamespaces: false }),
      reason: "UserNamespacesNotSupported",
    },
    {
      name: "hostUsers false with support",
      pod: pod({ hostUsers: false }),
      ctx: ctx({ userNamespaces: true }),
    },
    {
      name: "a volume type the node cannot set up",
      pod: pod({ volumes: [{ name: "data", nfs: { server: "x", path: "/" } } as never] }),
      ctx: ctx({ volumeTypes: new Set(["emptyDir", "hostPath"]) }),
      reason: "UnsupportedVolume",
      message: 'Failed to admit pod as volume "data" of type "nfs" is not supported on this node',
    },
    {
      name: "supported volume types",
      pod: pod({ volumes: [{ name: "d", emptyDir: {} }] }),
      ctx: ctx({ volumeTypes: new Set(["emptyDir", "hostPath"]) }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = admitPod(c.pod, c.ctx);
      if (!c.reason) {
        assert.deepEqual(r, { admit: true });
        return;
      }
      assert.equal(r.admit, false);
      assert.ok(!r.admit);
      assert.equal(r.reason, c.reason);
      if (c.message) assert.equal(r.message, c.message);
    });
  }
});

describe("admitInOrder", () => {
  const big = (created: string, name: string) =>
    pod({ containers: [requesting({ cpu: "1" })] }, { name, creationTimestamp: created });

  it("admits by creation time: the older pod wins whatever the input order", () => {
    const newer = big("2025-01-01T00:00:10Z", "newer");
    const older = big("2025-01-01T00:00:05Z", "older");
    const r = admitInOrder([newer, older], ctx());
    assert.deepEqual(
      r.admitted.map((p) => p.metadata.name),
      ["older"],
    );
    assert.equal(r.rejected[0]?.pod.metadata.name, "newer");
    assert.equal(r.rejected[0]?.result.reason, "OutOfcpu");
  });

  it("never displaces a pod already admitted, even an newer one", () => {
    const running = big("2025-01-01T00:00:10Z", "running");
    const oldButLate = big("2025-01-01T00:00:00Z", "old-but-late");
    const r = admitInOrder([oldButLate], ctx({ admitted: [running] }));
    assert.deepEqual(r.admitted, []);
    assert.equal(
      r.rejected[0]?.result.message,
      "Node didn't have enough resource: cpu, requested: 1000, used: 1000, capacity: 1900",
    );
  });

  it("rejectedStatus is what the kubelet writes for a rejected pod", () => {
    const p = pod();
    assert.deepEqual(rejectedStatus(p, { reason: "OutOfcpu", message: "m" }), {
      phase: "Failed",
      reason: "OutOfcpu",
      message: "Pod was rejected: m",
      qosClass: "BestEffort",
    });
  });
});
