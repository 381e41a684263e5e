// What a probe result does to a pod: liveness and startup failures mark the container for a restart
// (killed with the probe's grace period); every change wakes the pod worker so status follows.
// Every single failed probe is an Unhealthy event, every warning a ProbeWarning event, as upstream
// records them (the recorder's correlator turns repeats into counts).
import type { Pod } from "./api/pod.ts";
import { messages, REASON } from "./events/messages.ts";
import type { EventRecorder } from "./events/recorder.ts";
import type { Logger } from "./log.ts";
import type { UnhealthyContainer } from "./pod/actions.ts";
import { killGracePeriod } from "../probes/manager.ts";
import type { ProbeEvent, ProbeOutcomeEvent } from "../probes/manager.ts";

export function probeEffect(
  ev: ProbeEvent,
  pod: Pod | undefined,
  unhealthy: Map<string, UnhealthyContainer>,
  log: Logger,
): void {
  const fields = {
    pod: `${ev.target.podNamespace}/${ev.target.podName}`,
    container: ev.target.container.name,
    containerId: ev.target.containerId,
    probe: ev.kind,
    result: ev.result,
  };
  if (ev.result === "failure") log.warn(fields, `${ev.kind} probe failed: ${ev.message}`);
  else log.info(fields, `${ev.kind} probe succeeded`);
  if (ev.result !== "failure" || ev.kind === "readiness" || !pod) return;
  const probe = ev.kind === "liveness" ? ev.target.container.livenessProbe : ev.target.container.startupProbe;
  unhealthy.set(ev.target.containerId, {
    reason: "Unhealthy",
    message: `Container ${ev.target.container.name} failed ${ev.kind} probe, will be restarted`,
    gracePeriodSeconds: killGracePeriod(probe, pod),
  });
}

export function probeOutcomeEvent(ev: ProbeOutcomeEvent, pod: Pod | undefined, events: EventRecorder): void {
  if (!pod) return;
  const [reason, message] =
    ev.outcome === "failure"
      ? [REASON.Unhealthy, messages.probeFailed(ev.kind, ev.message)]
      : [REASON.ProbeWarning, messages.probeWarning(ev.kind, ev.message)];
  events.containerEvent(pod, ev.target.container.name, "Warning", reason, message);
}
