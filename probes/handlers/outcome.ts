// The result of running one handler once.

/**
 * success/failure are probe results; "warning" counts as success but is worth a warning event
 * (an HTTP redirect the prober did not follow); "error" means the prober itself could not run the
 * check (unresolvable port, runtime error) and the result must be thrown away, as upstream does.
 */
export type HandlerStatus = "success" | "warning" | "failure" | "error";

export interface HandlerOutcome {
  status: HandlerStatus;
  message: string;
}

export const outcome = (status: HandlerStatus, message: string): HandlerOutcome => ({ status, message });

/** Go-style wording for a socket error, so messages read like the kubelet's. */
export function describeNetError(err: NodeJS.ErrnoException, op: string, addr: string): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `${op} ${addr}: connect: connection refused`;
    case "EHOSTUNREACH":
      return `${op} ${addr}: connect: no route to host`;
    case "ENETUNREACH":
      return `${op} ${addr}: connect: network is unreachable`;
    case "ECONNRESET":
      return `read ${addr}: connection reset by peer`;
    default:
      return `${op} ${addr}: ${err.message}`;
  }
}
