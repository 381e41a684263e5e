// gRPC status → RuntimeError. Pure: callers decide which codes mean "idempotent success" or
// "absent"; this only classifies.
import { RuntimeError } from "../runtime.ts";

/** gRPC status codes nodelet reacts to (values from the gRPC spec). */
export const GrpcCode = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  UNAVAILABLE: 14,
} as const;

interface GrpcErrorLike {
  code?: number;
  details?: string;
  message?: string;
}

export function grpcCode(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as GrpcErrorLike).code : undefined;
}

export function isNotFound(err: unknown): boolean {
  if (err instanceof RuntimeError) return err.code === "NotFound";
  return grpcCode(err) === GrpcCode.NOT_FOUND;
}

/** containerd reports a duplicate sandbox/container name as UNKNOWN "name … is reserved for …". */
const reservedName = /is reserved for/;

export function toRuntimeError(method: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as GrpcErrorLike;
  const detail = e.details || e.message || String(err);
  const message = `CRI ${method}: ${detail}`;
  switch (e.code) {
    case GrpcCode.NOT_FOUND:
      return new RuntimeError("NotFound", message);
    case GrpcCode.ALREADY_EXISTS:
      return new RuntimeError("AlreadyExists", message);
    case GrpcCode.DEADLINE_EXCEEDED:
      return new RuntimeError("DeadlineExceeded", message);
    case GrpcCode.UNAVAILABLE:
      return new RuntimeError("Unavailable", message);
    default:
      return new RuntimeError(reservedName.test(detail) ? "AlreadyExists" : "Unknown", message);
  }
}
