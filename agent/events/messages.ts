// The kubelet's event reasons and message texts, as upstream writes them (pkg/kubelet/events and
// the call sites in kuberuntime, images, prober, lifecycle), so `kubectl describe` reads the same.
import type { LifecycleHandler, Pod } from "../api/pod.ts";

export const REASON = {
  Pulling: "Pulling",
  Pulled: "Pulled",
  /** Image pull failures and container create/start failures share this reason upstream. */
  Failed: "Failed",
  BackOff: "BackOff",
  ErrImageNeverPull: "ErrImageNeverPull",
  Created: "Created",
  Started: "Started",
  Killing: "Killing",
  Unhealthy: "Unhealthy",
  ProbeWarning: "ProbeWarning",
  FailedMount: "FailedMount",
  FailedCreatePodSandBox: "FailedCreatePodSandBox",
  SandboxChanged: "SandboxChanged",
  FailedPostStartHook: "FailedPostStartHook",
  FailedPreStopHook: "FailedPreStopHook",
  FailedKillPod: "FailedKillPod",
  Starting: "Starting",
  NodeReady: "NodeReady",
  NodeNotReady: "NodeNotReady",
  NodeHasSufficientMemory: "NodeHasSufficientMemory",
  NodeHasInsufficientMemory: "NodeHasInsufficientMemory",
  NodeHasNoDiskPressure: "NodeHasNoDiskPressure",
  NodeHasDiskPressure: "NodeHasDiskPressure",
  NodeHasSufficientPID: "NodeHasSufficientPID",
  NodeHasInsufficientPID: "NodeHasInsufficientPID",
} as const;

/** Upstream format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ""}_${pod.metadata.namespace ?? "default"}(${pod.metadata.uid ?? ""})`;
}

/** Go's time.Duration String() of a duration truncated to milliseconds: 850ms, 1.2s, 1m2.5s. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const seconds = `${Math.floor(secMs / 1000)}${
    secMs % 1000
      ? `.${String(secMs % 1000)
          .padStart(3, "0")
          .replace(/0+$/, "")}`
      : ""
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

export const messages = {
  pulling: (image: string) => `Pulling image ${JSON.stringify(image)}`,
  pulled: (image: string, pullMs: number, totalMs: number, sizeBytes: number) =>
    `Successfully pulled image ${JSON.stringify(image)} in ${goDuration(pullMs)} (${goDuration(totalMs)} including waiting). Image size: ${sizeBytes} bytes.`,
  alreadyPresent: (image: string) => `Container image ${JSON.stringify(image)} already present on machine`,
  /** The kubelet's "Error: <reason or message>" Failed event after a container could not be made. */
  error: (what: string) => `Error: ${what}`,
  created: (container: string) => `Created container: ${container}`,
  started: (container: string) => `Started container ${container}`,
  stopping: (container: string) => `Stopping container ${container}`,
  backOffRestart: (container: string, pod: Pod) =>
    `Back-off restarting failed container ${container} in pod ${formatPod(pod)}`,
  probeFailed: (probe: string, output: string) => `${capitalize(probe)} probe failed: ${output}`,
  probeWarning: (probe: string, output: string) => `${capitalize(probe)} probe warning: ${output}`,
  sandboxFailed: (err: string) => `Failed to create pod sandbox: ${err}`,
  sandboxChanged: () => "Pod sandbox changed, it will be killed and re-created.",
  startingKubelet: () => "Starting kubelet.",
  nodeStatus: (node: string, condition: string) => `Node ${node} status is now: ${condition}`,
};

/** Upstream handlerRunner's failure text for a postStart/preStop hook. */
export function hookFailedMessage(
  handler: LifecycleHandler,
  container: string,
  pod: Pod,
  err: string,
): string {
  const where = `for Container ${JSON.stringify(container)} in Pod ${JSON.stringify(formatPod(pod))}`;
  if (handler.exec) {
    return `Exec lifecycle hook ([${(handler.exec.command ?? []).join(" ")}]) ${where} failed - error: ${err}, message: ""`;
  }
  if (handler.httpGet)
    return `HTTP lifecycle hook (${handler.httpGet.path ?? ""}) ${where} failed - error: ${err}`;
  if (handler.sleep) return `Sleep lifecycle hook (${handler.sleep.seconds}) ${where} failed - error: ${err}`;
  return `lifecycle hook ${where} failed - error: ${err}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
