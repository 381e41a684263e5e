// Probe parameters with the upstream defaults, their validation, and the kill grace period.
// Pure functions over the API shapes; no I/O.
import type { Container, PodSpec, Probe, ProbeHandler } from "../agent/api/pod.ts";
import type { IntOrString } from "../agent/api/meta.ts";
import type { ProbeKind } from "./types.ts";

export interface ProbeTiming {
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** The API server's defaulting: unset or 0 means the default (upstream SetDefaults_Probe). */
export function probeTiming(probe: Probe): ProbeTiming {
  const orDefault = (v: number | undefined, d: number) => (v === undefined || v === 0 ? d : v);
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    timeoutSeconds: orDefault(probe.timeoutSeconds, 1),
    periodSeconds: orDefault(probe.periodSeconds, 10),
    successThreshold: orDefault(probe.successThreshold, 1),
    failureThreshold: orDefault(probe.failureThreshold, 3),
  };
}

/** Default pod grace period (spec.terminationGracePeriodSeconds). */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/**
 * Grace period for a kill caused by a failed liveness/startup probe: the probe's own
 * terminationGracePeriodSeconds when set, else the pod's, else 30. The caller still applies its
 * own floor (upstream raises anything below 2 s to 2 s when it kills a container).
 */
export function killGracePeriod(
  probe: Pick<Probe, "terminationGracePeriodSeconds"> | undefined,
  pod: { spec: Pick<PodSpec, "terminationGracePeriodSeconds"> },
): number {
  return (
    probe?.terminationGracePeriodSeconds ??
    pod.spec.terminationGracePeriodSeconds ??
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
  );
}

export const PROBE_FIELD: Record<ProbeKind, "livenessProbe" | "readinessProbe" | "startupProbe"> = {
  liveness: "livenessProbe",
  readiness: "readinessProbe",
  startup: "startupProbe",
};

/** The probe of one kind on a container, if any. */
export function probeOf(container: Container, kind: ProbeKind): Probe | undefined {
  return container[PROBE_FIELD[kind]];
}

const HANDLER_FIELDS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True if `name` is a valid IANA_SVC_NAME (the form of a named container port). */
export function isPortName(name: string): boolean {
  return (
    name.length >= 1 && name.length <= 15 && SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes("--")
  );
}

function validatePort(port: IntOrString | undefined, path: string, errors: string[]): void {
  if (port === undefined || port === "") {
    errors.push(`${path}: Required value`);
  } else if (typeof port === "number") {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errors.push(`${path}: Invalid value: ${port}: must be between 1 and 65535, inclusive`);
    }
  } else if (!isPortName(port)) {
    errors.push(
      `${path}: Invalid value: "${port}": must be a port number or a valid port name (IANA_SVC_NAME)`,
    );
  }
}

/**
 * Validation errors of one probe, as "<field path>: <reason>" strings (empty when valid).
 * Follows upstream ValidateProbe plus the per-kind rules (successThreshold must be 1 for
 * liveness/startup; terminationGracePeriodSeconds is not allowed on readiness probes).
 */
export function validateProbe(kind: ProbeKind, probe: Probe, path: string = PROBE_FIELD[kind]): string[] {
  const errors: string[] = [];
  const handlers = HANDLER_FIELDS.filter((f) => (probe as ProbeHandler)[f] !== undefined);
  if (handlers.length === 0) errors.push(`${path}: Required value: must specify a handler type`);
  if (handlers.length > 1)
    errors.push(`${path}.${handlers[1]}: Forbidden: may not specify more than 1 handler type`);

  for (const field of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const) {
    const v = probe[field];
    if (v === undefined) continue;
    if (!Number.isInteger(v)) errors.push(`${path}.${field}: Invalid value: ${v}: must be an integer`);
    else if (v < 0) errors.push(`${path}.${field}: Invalid value: ${v}: must be greater than or equal to 0`);
  }
  const timing = probeTiming(probe);
  if ((kind === "liveness" || kind === "startup") && timing.successThreshold !== 1) {
    errors.push(`${path}.successThreshold: Invalid value: ${timing.successThreshold}: must be 1`);
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (grace !== undefined) {
    if (kind === "readiness") {
      errors.push(
        `${path}.terminationGracePeriodSeconds: Invalid value: ${grace}: must not be set for readinessProbes`,
      );
    } else if (!Number.isInteger(grace) || grace <= 0) {
      errors.push(`${path}.terminationGracePeriodSeconds: Invalid value: ${grace}: must be greater than 0`);
    }
  }

  if (probe.exec && (!probe.exec.command || probe.exec.command.length === 0)) {
    errors.push(`${path}.exec.command: Required value`);
  }
  if (probe.httpGet) {
    validatePort(probe.httpGet.port, `${path}.httpGet.port`, errors);
    const scheme = probe.httpGet.scheme;
    if (scheme !== undefined && scheme !== "HTTP" && scheme !== "HTTPS") {
      errors.push(
        `${path}.httpGet.scheme: Unsupported value: "${scheme}": supported values: "HTTP", "HTTPS"`,
      );
    }
    for (const [i, h] of (probe.httpGet.httpHeaders ?? []).entries()) {
      if (!HTTP_TOKEN.test(h.name)) {
        errors.push(
          `${path}.httpGet.httpHeaders[${i}].name: Invalid value: "${h.name}": a valid HTTP header must consist of alphanumeric characters or '-'`,
        );
      }
    }
  }
  if (probe.tcpSocket) validatePort(probe.tcpSocket.port, `${path}.tcpSocket.port`, errors);
  if (probe.grpc) {
    const p = probe.grpc.port;
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      errors.push(`${path}.grpc.port: Invalid value: ${p}: must be between 1 and 65535, inclusive`);
    }
  }
  return errors;
}

/** Validation errors of every probe on a container (empty when all are valid). */
export function validateContainerProbes(
  container: Container,
  path = `containers[${container.name}]`,
): string[] {
  const errors: string[] = [];
  for (const kind of ["liveness", "readiness", "startup"] as const) {
    const probe = probeOf(container, kind);
    if (probe) errors.push(...validateProbe(kind, probe, `${path}.${PROBE_FIELD[kind]}`));
  }
  return errors;
}
