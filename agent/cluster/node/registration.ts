// Registering this node's Node object with the node's own credentials: create it, or — when it
// already exists — adopt it, restoring the labels the kubelet owns. Taints are set at creation
// only: NodeRestriction forbids a node to change its own taints afterwards.
import type { Node, NodeStatus, Taint } from "../../api/node.ts";
import type { Logger } from "../../log.ts";
import { type ApiClient, isApiError } from "../api-client.ts";
import { labelsToPatch } from "./labels.ts";

/** Upstream sets it so that the attach/detach controller, not the kubelet, attaches volumes. */
export const CONTROLLER_MANAGED_ATTACH_DETACH = "volumes.kubernetes.io/controller-managed-attach-detach";

export function nodePath(name: string): string {
  return `/api/v1/nodes/${encodeURIComponent(name)}`;
}

export interface DesiredNode {
  name: string;
  /** Default labels overlaid by --node-labels (those win, as upstream). */
  labels: Record<string, string>;
  taints: Taint[];
  /** false (kubelet --register-node=false): the Node must exist; it is looked up, never created or patched. */
  register: boolean;
}

export function initialNode(d: DesiredNode, status: NodeStatus | undefined): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: d.name,
      labels: { ...d.labels },
      annotations: { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" },
    },
    spec: d.taints.length > 0 ? { taints: d.taints } : {},
    ...(status ? { status } : {}),
  };
}

/** Merge patch making an existing Node carry what the kubelet owns; undefined when nothing differs. */
export function adoptionPatch(
  existing: Node,
  d: DesiredNode,
): { metadata: Record<string, unknown> } | undefined {
  const labels = labelsToPatch(existing.metadata.labels, d.labels);
  const annotations =
    existing.metadata.annotations?.[CONTROLLER_MANAGED_ATTACH_DETACH] === "true"
      ? undefined
      : { [CONTROLLER_MANAGED_ATTACH_DETACH]: "true" };
  if (!labels && !annotations) return undefined;
  return { metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
}

/** Registration taints an adopted Node lacks (reported, not applied). */
export function missingTaints(existing: Node, wanted: readonly Taint[]): Taint[] {
  const have = existing.spec?.taints ?? [];
  return wanted.filter(
    (t) => !have.some((h) => h.key === t.key && h.effect === t.effect && (h.value ?? "") === (t.value ?? "")),
  );
}

export interface Registered {
  node: Node;
  created: boolean;
}

/** One attempt: POST the Node; on AlreadyExists adopt the existing one. Throws API errors. */
export async function registerNode(
  client: ApiClient,
  desired: DesiredNode,
  status: NodeStatus | undefined,
  log: Logger,
  signal: AbortSignal,
): Promise<Registered> {
  if (!desired.register) {
    const node = await client.request<Node>("GET", nodePath(desired.name), { signal });
    log.info({ node: desired.name, uid: node.metadata.uid }, "found the Node (registration is off)");
    return { node, created: false };
  }
  try {
    const node = await client.request<Node>("POST", "/api/v1/nodes", {
      body: initialNode(desired, status),
      signal,
    });
    log.info({ node: desired.name, uid: node.metadata.uid }, "registered the Node");
    return { node, created: true };
  } catch (err) {
    if (!isApiError(err, 409)) throw err;
  }
  let node = await client.request<Node>("GET", nodePath(desired.name), { signal });
  const patch = adoptionPatch(node, desired);
  if (patch) {
    node = await client.request<Node>("PATCH", nodePath(desired.name), {
      body: patch,
      contentType: "application/merge-patch+json",
      signal,
    });
  }
  const missing = missingTaints(node, desired.taints);
  if (missing.length > 0) {
    log.warn(
      {
        node: desired.name,
        missing: missing.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`),
      },
      "the existing Node lacks taints of --register-with-taints; a node may not change its own taints (NodeRestriction): add them with kubectl taint",
    );
  }
  log.info(
    { node: desired.name, uid: node.metadata.uid, patched: patch !== undefined },
    "adopted the existing Node",
  );
  return { node, created: false };
}
