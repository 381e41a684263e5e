// Where a handler connects: the resolved port and host of an action on one container instance.
import type { Container } from "../../agent/api/pod.ts";
import type { IntOrString } from "../../agent/api/meta.ts";

/** What a handler needs to know about the container instance it acts on. */
export interface HandlerTarget {
  container: Container;
  containerId: string;
  podIP?: string;
  hostNetwork: boolean;
}

/**
 * A named port is looked up in container.ports; a numeric string is accepted as a last resort,
 * as upstream does. Throws with the kubelet's wording when the port cannot be resolved.
 */
export function resolvePort(port: IntOrString, container: Container): number {
  let n: number;
  if (typeof port === "number") {
    n = port;
  } else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[0-9]+$/.test(port)) n = Number(port);
    else throw new Error(`port ${port} not found`);
  }
  if (Number.isInteger(n) && n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}

/**
 * The action's host, else the pod IP. A host-network pod's IP is the node's, so the node's
 * loopback reaches the same listeners when the pod IP is not known yet.
 */
export function resolveHost(host: string | undefined, target: HandlerTarget): string {
  if (host) return host;
  if (target.podIP) return target.podIP;
  if (target.hostNetwork) return "127.0.0.1";
  throw new Error("pod has no IP yet");
}

/** host:port with IPv6 literals bracketed, as in a URL authority. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
