// grpc: call grpc.health.v1.Health/Check on the pod IP and port; SERVING = success.
// Callers that probe repeatedly pass `client` to reuse one channel per worker (and close it when the
// worker stops); without it a channel is made for the one call and closed afterwards.
import * as grpc from "@grpc/grpc-js";
import type { GRPCAction } from "../../agent/api/pod.ts";
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  HEALTH_CHECK_PATH,
  type ServingStatus,
} from "./grpc-health-codec.ts";
import { type HandlerOutcome, outcome } from "./outcome.ts";
import { type HandlerTarget, joinHostPort, resolveHost, resolvePort } from "./target.ts";

/** A gRPC channel to one address, as used for health checks. */
export function newHealthClient(address: string, userAgent: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.primary_user_agent": userAgent,
    // A reused channel must notice a restarted server quickly: cap reconnect backoff at 1 s.
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 1000,
    "grpc.enable_retries": 0,
  });
}

export function grpcAddress(action: GRPCAction, target: HandlerTarget): string {
  return joinHostPort(resolveHost(undefined, target), resolvePort(action.port, target.container));
}

const goDuration = (ms: number) => `${ms / 1000}s`;

export function runGrpc(
  action: GRPCAction,
  target: HandlerTarget,
  timeoutMs: number,
  userAgent: string,
  clientFor?: (address: string) => grpc.Client,
  signal?: AbortSignal,
): Promise<HandlerOutcome> {
  let address: string;
  try {
    address = grpcAddress(action, target);
  } catch (err) {
    return Promise.resolve(outcome("error", (err as Error).message));
  }
  const ownClient = clientFor === undefined;
  const client = clientFor ? clientFor(address) : newHealthClient(address, userAgent);
  return new Promise<HandlerOutcome>((resolve) => {
    // waitForReady: like upstream's blocking dial, a missing listener costs the whole timeout.
    const md = new grpc.Metadata({ waitForReady: true });
    const call = client.makeUnaryRequest<{ service: string }, { status: ServingStatus | `${number}` }>(
      HEALTH_CHECK_PATH,
      encodeHealthCheckRequest,
      decodeHealthCheckResponse,
      { service: action.service ?? "" },
      md,
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        if (err) {
          resolve(describeCallError(err, client, address, timeoutMs));
        } else if (res?.status !== "SERVING") {
          resolve(
            outcome(
              "failure",
              `service unhealthy (responded with ${JSON.stringify(res?.status ?? "UNKNOWN")})`,
            ),
          );
        } else {
          resolve(outcome("success", "service healthy"));
        }
      },
    );
    const onAbort = () => call.cancel();
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    call.on("status", () => signal?.removeEventListener("abort", onAbort));
  }).finally(() => {
    if (ownClient) client.close();
  });
}

function describeCallError(
  err: grpc.ServiceError,
  client: grpc.Client,
  address: string,
  timeoutMs: number,
): HandlerOutcome {
  if (err.code === grpc.status.UNIMPLEMENTED) {
    return outcome(
      "failure",
      `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`,
    );
  }
  if (err.code === grpc.status.DEADLINE_EXCEEDED) {
    const connected = client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
    return outcome(
      "failure",
      connected
        ? `timeout: health rpc did not complete within ${goDuration(timeoutMs)}`
        : `timeout: failed to connect service ${JSON.stringify(address)} within ${goDuration(timeoutMs)}: context deadline exceeded`,
    );
  }
  return outcome(
    "failure",
    `error: health rpc probe failed: rpc error: code = ${grpc.status[err.code]} desc = ${err.details}`,
  );
}
