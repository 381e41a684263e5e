// Pod admission: may a pod bound to this node start here? Pure: the node's facts and the pods
// already admitted are passed in. Follows the kubelet's admit handlers in their order (eviction
// pressure, sysctls, predicates: OS, resources, node affinity, node name, host ports, NoExecute
// taints), each reason and message as upstream; then checks nodelet's own limits (user
// namespaces, volume types). A rejected pod is failed with `Pod was rejected: <message>`.
import type { Pod } from "../api/pod.ts";
import type { QuantityValue } from "../api/meta.ts";
import { isCriticalPod } from "../resources/linux-resources.ts";
import { amountOf, podRequestList } from "../resources/pod-request-list.ts";
import { isRestartableInitContainer } from "../resources/pod-requests.ts";
import { qosClass } from "../resources/qos.ts";
import { parseQuantity } from "../resources/quantity.ts";
import {
  matchesNode,
  type Taint,
  tolerates,
  type Toleration,
  untoleratedNoExecute,
} from "./node-affinity.ts";

export type AdmissionResult = { admit: true } | { admit: false; reason: string; message: string };

export interface AdmissionNode {
  name: string;
  labels: Record<string, string>;
  /** Node allocatable: cpu, memory, pods, ephemeral-storage, hugepages-*, extended resources. */
  allocatable: Record<string, QuantityValue>;
  taints?: Taint[];
  /** Pressure conditions that are True (eviction manager's view). */
  pressure?: ("MemoryPressure" | "DiskPressure" | "PIDPressure")[];
}

export interface AdmissionContext {
  node: AdmissionNode;
  /** Pods admitted before (running or about to), terminal ones excluded. */
  admitted: readonly Pod[];
  /** Sysctl names or `prefix*` patterns allowed beyond the safe set (allowedUnsafeSysctls). */
  allowedUnsafeSysctls?: readonly string[];
  /** The runtime can run pods in a user namespace (hostUsers: false). */
  userNamespaces?: boolean;
  /** Volume sources this node can set up (emptyDir, hostPath, ...). Unset: not checked. */
  volumeTypes?: ReadonlySet<string>;
}

/** The kubelet's OS (runtime.GOOS). */
const NODE_OS = "linux";

// Upstream sysctl.SafeSysctlAllowlist (for kernels that have them all).
const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
];

const VOLUME_SOURCES = [
  "emptyDir",
  "hostPath",
  "configMap",
  "secret",
  "downwardAPI",
  "projected",
  "persistentVolumeClaim",
  "nfs",
  "iscsi",
  "csi",
  "ephemeral",
  "image",
  "gitRepo",
  "local",
];

const reject = (reason: string, message: string): AdmissionResult => ({ admit: false, reason, message });

export function admitPod(pod: Pod, ctx: AdmissionContext): AdmissionResult {
  return (
    evictionAdmit(pod, ctx) ??
    sysctlAdmit(pod, ctx) ??
    predicateAdmit(pod, ctx) ??
    nodeletAdmit(pod, ctx) ?? { admit: true }
  );
}

/**
 * Admits candidates oldest first (creation timestamp, as the kubelet's HandlePodAdditions), each
 * against the already admitted pods plus the candidates admitted before it. Pods already admitted
 * are never re-judged: a newcomer can be rejected, never the other way round.
 */
export function admitInOrder(
  candidates: readonly Pod[],
  ctx: AdmissionContext,
): { admitted: Pod[]; rejected: { pod: Pod; result: Extract<AdmissionResult, { admit: false }> }[] } {
  const admitted: Pod[] = [];
  const rejected: { pod: Pod; result: Extract<AdmissionResult, { admit: false }> }[] = [];
  for (const pod of [...candidates].sort(byCreation)) {
    const result = admitPod(pod, { ...ctx, admitted: [...ctx.admitted, ...admitted] });
    if (result.admit) admitted.push(pod);
    else rejected.push({ pod, result });
  }
  return { admitted, rejected };
}

/** The status the kubelet writes for a pod it rejected (rejectPod). */
export function rejectedStatus(
  pod: Pod,
  result: { reason: string; message: string },
): { phase: "Failed"; reason: string; message: string; qosClass: string } {
  return {
    phase: "Failed",
    reason: result.reason,
    message: `Pod was rejected: ${result.message}`,
    qosClass: qosClass(pod),
  };
}

function byCreation(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  const na = `${a.metadata.namespace}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Eviction manager: under pressure only critical pods (and, under memory pressure alone, non-BestEffort ones). */
function evictionAdmit(pod: Pod, ctx: AdmissionContext): AdmissionResult | undefined {
  const pressure = ctx.node.pressure ?? [];
  if (pressure.length === 0 || isCriticalPod(pod)) return undefined;
  if (pressure.length === 1 && pressure[0] === "MemoryPressure") {
    if (qosClass(pod) !== "BestEffort") return undefined;
    const taint: Taint = { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" };
    if (((pod.spec.tolerations ?? []) as Toleration[]).some((t) => tolerates(t, taint))) return undefined;
  }
  return reject("Evicted", `The node had condition: [${pressure.join(" ")}]. `);
}

function sysctlAdmit(pod: Pod, ctx: AdmissionContext): AdmissionResult | undefined {
  const allowed = [...SAFE_SYSCTLS, ...(ctx.allowedUnsafeSysctls ?? [])];
  for (const s of pod.spec.securityContext?.sysctls ?? []) {
    const name = normalizeSysctl(s.name);
    const rule = allowed.find((a) => (a.endsWith("*") ? name.startsWith(a.slice(0, -1)) : a === name));
    let error: string | undefined;
    if (!rule) error = `${JSON.stringify(name)} not allowlisted`;
    else if (sysctlNamespace(name) === "net" && pod.spec.hostNetwork)
      error = `${JSON.stringify(name)} not allowed with host net enabled`;
    else if (sysctlNamespace(name) === "ipc" && pod.spec.hostIPC)
      error = `${JSON.stringify(name)} not allowed with host ipc enabled`;
    if (error) return reject("SysctlForbidden", `forbidden sysctl: ${error}`);
  }
  return undefined;
}

/** `net/ipv4/conf/eth0.100/x` → `net.ipv4.conf.eth0/100.x` (upstream NormalizeName). */
function normalizeSysctl(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === ".") return name;
  return name.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

function sysctlNamespace(name: string): "net" | "ipc" | undefined {
  if (name.startsWith("net.")) return "net";
  if (name.startsWith("kernel.shm") || name.startsWith("kernel.msg") || name === "kernel.sem") return "ipc";
  if (name.startsWith("fs.mqueue.")) return "ipc";
  return undefined;
}

function predicateAdmit(pod: Pod, ctx: AdmissionContext): AdmissionResult | undefined {
  const node = ctx.node;
  // Upstream compares the pod's *label* kubernetes.io/os (not its nodeSelector) with the node's OS.
  const podOSLabel = pod.metadata.labels?.["kubernetes.io/os"];
  if (podOSLabel !== undefined && podOSLabel !== NODE_OS) {
    return reject(
      "PodOSSelectorNodeLabelDoesNotMatch",
      "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    );
  }
  if (pod.spec.os && pod.spec.os.name !== NODE_OS) {
    return reject("PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS");
  }
  let requests: Map<string, bigint>;
  try {
    requests = podRequestList(pod);
  } catch (err) {
    return reject("UnexpectedAdmissionError", `invalid resource requests: ${(err as Error).message}`);
  }
  const insufficient = insufficientResource(requests, ctx);
  if (insufficient) return insufficient;
  if (!matchesNode(pod, node.name, node.labels)) {
    return reject(
      "NodeAffinity",
      "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    );
  }
  if (pod.spec.nodeName && pod.spec.nodeName !== node.name) {
    return reject("NodeName", "Predicate NodeName failed: node(s) didn't match the requested node name");
  }
  if (hostPortConflict(pod, ctx.admitted)) {
    return reject(
      "NodePorts",
      "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    );
  }
  if (!isStaticPod(pod) && untoleratedNoExecute(pod, node.taints ?? [])) {
    return reject(
      "TaintToleration",
      "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    );
  }
  return undefined;
}

/** noderesources.Fits: pod count first, then cpu, memory, ephemeral-storage, then the others. */
function insufficientResource(
  requests: Map<string, bigint>,
  ctx: AdmissionContext,
): AdmissionResult | undefined {
  const allocatable = new Map<string, bigint>();
  for (const [name, v] of Object.entries(ctx.node.allocatable))
    allocatable.set(name, amountOf(name, parseQuantity(v)));
  const used = new Map<string, bigint>();
  for (const p of ctx.admitted) {
    try {
      for (const [k, v] of podRequestList(p)) used.set(k, (used.get(k) ?? 0n) + v);
    } catch {
      // An admitted pod with a malformed request counts for nothing (it was admitted regardless).
    }
  }
  const out = (name: string, requested: bigint, usedAmount: bigint, capacity: bigint) =>
    reject(
      `OutOf${name}`,
      `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${usedAmount}, capacity: ${capacity}`,
    );
  const maxPods = allocatable.get("pods");
  if (maxPods !== undefined && BigInt(ctx.admitted.length) + 1n > maxPods) {
    return out("pods", 1n, BigInt(ctx.admitted.length), maxPods);
  }
  const order = [
    "cpu",
    "memory",
    "ephemeral-storage",
    ...[...requests.keys()].filter((k) => !FIRST.has(k)).sort(),
  ];
  for (const name of order) {
    const requested = requests.get(name) ?? 0n;
    if (requested <= 0n || !countedResource(name, allocatable)) continue;
    const capacity = allocatable.get(name) ?? 0n;
    const u = used.get(name) ?? 0n;
    if (requested > capacity - u) return out(name, requested, u, capacity);
  }
  return undefined;
}

const FIRST = new Set(["cpu", "memory", "ephemeral-storage", "pods"]);

/**
 * Which requests the fit check counts: the basic resources, hugepages and other native scalar
 * resources always; extended resources (`example.com/gpu`) only when the node has them
 * (upstream removeMissingExtendedResources: cluster-level resources are not the node's).
 */
function countedResource(name: string, allocatable: Map<string, bigint>): boolean {
  if (FIRST.has(name) || name.startsWith("hugepages-")) return true;
  const extended = name.includes("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests.");
  if (extended) return allocatable.has(name);
  return name.startsWith("kubernetes.io/") || name.startsWith("attachable-volumes-");
}

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): HostPort[] {
  const containers = [
    ...(pod.spec.initContainers ?? []).filter(isRestartableInitContainer),
    ...pod.spec.containers,
  ];
  const out: HostPort[] = [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol ?? "TCP", port: p.hostPort });
    }
  }
  return out;
}

function hostPortConflict(pod: Pod, admitted: readonly Pod[]): boolean {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return false;
  const taken = admitted.flatMap(hostPorts);
  return wanted.some((w) =>
    taken.some(
      (t) =>
        t.port === w.port &&
        t.protocol === w.protocol &&
        (t.ip === w.ip || t.ip === "0.0.0.0" || w.ip === "0.0.0.0"),
    ),
  );
}

function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.["kubernetes.io/config.source"];
  return source !== undefined && source !== "api";
}

/** What nodelet itself cannot run (no upstream admit handler; upstream fails later, at sandbox creation). */
function nodeletAdmit(pod: Pod, ctx: AdmissionContext): AdmissionResult | undefined {
  if (pod.spec.hostUsers === false && ctx.userNamespaces === false) {
    return reject(
      "UserNamespacesNotSupported",
      "Failed to admit pod as hostUsers: false needs user namespaces, which the container runtime does not support",
    );
  }
  if (ctx.volumeTypes) {
    for (const v of pod.spec.volumes ?? []) {
      const source = VOLUME_SOURCES.find((s) => s in v) ?? Object.keys(v).find((k) => k !== "name") ?? "";
      if (!ctx.volumeTypes.has(source)) {
        return reject(
          "UnsupportedVolume",
          `Failed to admit pod as volume ${JSON.stringify(v.name)} of type ${source ? JSON.stringify(source) : "(none)"} is not supported on this node`,
        );
      }
    }
  }
  return undefined;
}
