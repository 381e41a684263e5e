// The Node's labels: the ones the kubelet sets itself, and the check of --node-labels against the
// rule NodeRestriction enforces (a kubelet may only self-set kubernetes.io / k8s.io labels from an
// allowed list or namespace; upstream refuses to start otherwise, and so do we).
import { isQualifiedName, isValidLabelValue } from "../../manifest/name-rules.ts";

export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_ARCH = "kubernetes.io/arch";
export const LABEL_BETA_OS = "beta.kubernetes.io/os";
export const LABEL_BETA_ARCH = "beta.kubernetes.io/arch";

/** kubernetes.io / k8s.io labels a kubelet may set on its own Node (upstream kubeletapis). */
const KUBELET_LABELS = new Set([
  LABEL_HOSTNAME,
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  LABEL_OS,
  LABEL_ARCH,
  LABEL_BETA_OS,
  LABEL_BETA_ARCH,
]);
/** Label namespaces (and their subdomains) a kubelet may set freely. */
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

/** Go's GOARCH names, which the labels and nodeInfo use. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: "amd64",
    arm64: "arm64",
    arm: "arm",
    ia32: "386",
    ppc64: "ppc64le",
    s390x: "s390x",
    riscv64: "riscv64",
    loong64: "loong64",
  };
  return map[arch] ?? arch;
}

/** The labels the kubelet owns: set at registration and restored on an adopted Node. */
export function defaultNodeLabels(hostname: string, arch: string = goArch()): Record<string, string> {
  return {
    [LABEL_HOSTNAME]: hostname,
    [LABEL_OS]: "linux",
    [LABEL_ARCH]: arch,
    [LABEL_BETA_OS]: "linux",
    [LABEL_BETA_ARCH]: arch,
  };
}

function labelNamespace(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

function inNamespace(ns: string, domain: string): boolean {
  return ns === domain || ns.endsWith(`.${domain}`);
}

export function isKubernetesLabel(key: string): boolean {
  const ns = labelNamespace(key);
  return inNamespace(ns, "kubernetes.io") || inNamespace(ns, "k8s.io");
}

export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inNamespace(ns, allowed));
}

export class NodeLabelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeLabelError";
  }
}

/**
 * Throws NodeLabelError when --node-labels holds a label NodeRestriction would refuse
 * (node-restriction.kubernetes.io/ included: it is a kubernetes.io namespace not on the list) or a
 * key/value that is not a valid label.
 */
export function validateNodeLabels(labels: Record<string, string>): void {
  const forbidden = Object.keys(labels)
    .filter((k) => isKubernetesLabel(k) && !isKubeletLabel(k))
    .sort();
  if (forbidden.length > 0) {
    throw new NodeLabelError(
      `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${forbidden.join(" ")}]; ` +
        `--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix ` +
        `(${KUBELET_LABEL_NAMESPACES.join(", ")}) or be in the specifically allowed set ` +
        `(${[...KUBELET_LABELS].sort().join(", ")})`,
    );
  }
  const invalid: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const e of isQualifiedName(k)) invalid.push(`${k}: ${e}`);
    for (const e of isValidLabelValue(v)) invalid.push(`${k}=${v}: ${e}`);
  }
  if (invalid.length > 0) throw new NodeLabelError(`invalid node labels: ${invalid.join("; ")}`);
}

/** Labels to patch onto an existing Node so that it carries `wanted`; undefined when it already does. */
export function labelsToPatch(
  existing: Record<string, string> | undefined,
  wanted: Record<string, string>,
): Record<string, string> | undefined {
  const patch: Record<string, string> = {};
  for (const [k, v] of Object.entries(wanted)) if (existing?.[k] !== v) patch[k] = v;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
