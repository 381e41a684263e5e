// The runtime side of the kubelet API's streaming requests: find the running container (or the
// pod's sandbox) the request names, and ask CRI for the streaming URL (Exec, Attach, PortForward)
// or run the command to completion (/run → ExecSync). Errors carry the kubelet's status and text.
import { type Runtime, RuntimeError, type SandboxSummary } from "../../cri/runtime.ts";
import { allContainerStatuses, findPod, type PodSource, runtimeContainerId } from "./pod-reader.ts";
import type { ContainerRef, PodRef, StreamingRequest } from "./streaming-request.ts";

export type StreamingRuntime = Pick<
  Runtime,
  "exec" | "attach" | "portForward" | "execSync" | "listPodSandboxes"
>;

export class StreamTargetError extends Error {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

function podOf(source: PodSource, ref: PodRef) {
  const view = findPod(source, ref.namespace, ref.pod);
  if (!view) throw new StreamTargetError(404, "pod does not exist");
  return view;
}

/** The runtime id of the named container's running instance. */
export function runningContainerId(source: PodSource, ref: ContainerRef): string {
  const view = podOf(source, ref);
  const notFound = new StreamTargetError(404, `container not found (${JSON.stringify(ref.container)})`);
  if (ref.uid !== undefined && ref.uid !== view.pod.metadata.uid) throw notFound;
  const status = allContainerStatuses(view.status).find((s) => s.name === ref.container);
  const id = runtimeContainerId(status);
  if (!status?.state.running || !id) throw notFound;
  return id;
}

/** Unix-nanosecond decimal strings, compared without losing precision. */
const newer = (a: string, b: string): boolean => a.length > b.length || (a.length === b.length && a > b);

/** The pod's newest sandbox, preferring a ready one. */
async function sandboxId(source: PodSource, runtime: StreamingRuntime, ref: PodRef): Promise<string> {
  const view = podOf(source, ref);
  const uid = view.pod.metadata.uid;
  if (ref.uid !== undefined && ref.uid !== uid) throw new StreamTargetError(404, "pod not found");
  const mine = (await runtime.listPodSandboxes()).filter((s) => s.metadata.uid === uid);
  const rank = (s: SandboxSummary): number => (s.state === "ready" ? 1 : 0);
  const best = mine.reduce<SandboxSummary | undefined>(
    (b, s) =>
      b === undefined || rank(s) > rank(b) || (rank(s) === rank(b) && newer(s.createdAt, b.createdAt))
        ? s
        : b,
    undefined,
  );
  if (!best)
    throw new StreamTargetError(404, `pod not found (${JSON.stringify(`${ref.pod}_${ref.namespace}`)})`);
  return best.id;
}

function runtimeFailure(err: unknown): StreamTargetError {
  if (err instanceof StreamTargetError) return err;
  const status = err instanceof RuntimeError && err.code === "NotFound" ? 404 : 500;
  return new StreamTargetError(status, (err as Error).message);
}

/** Asks the runtime where to stream the session `r` (exec, attach, portForward). */
export async function streamingUrl(
  source: PodSource,
  runtime: StreamingRuntime,
  r: Exclude<StreamingRequest, { kind: "run" }>,
): Promise<URL> {
  try {
    let url: string;
    switch (r.kind) {
      case "exec":
        url = await runtime.exec(runningContainerId(source, r.target), r.command, r.streams);
        break;
      case "attach":
        url = await runtime.attach(runningContainerId(source, r.target), r.streams);
        break;
      case "portForward":
        url = await runtime.portForward(await sandboxId(source, runtime, r.target), r.ports);
        break;
    }
    return new URL(url);
  } catch (err) {
    throw runtimeFailure(err);
  }
}

/** /run: the command's stdout then stderr; a non-zero exit is a 500 naming the code, as the kubelet's. */
export async function runInContainer(
  source: PodSource,
  runtime: StreamingRuntime,
  r: Extract<StreamingRequest, { kind: "run" }>,
): Promise<Buffer> {
  let result: Awaited<ReturnType<StreamingRuntime["execSync"]>>;
  try {
    result = await runtime.execSync(runningContainerId(source, r.target), r.command, 0);
  } catch (err) {
    throw runtimeFailure(err);
  }
  if (result.exitCode !== 0) {
    throw new StreamTargetError(
      500,
      `command '${r.command.join(" ")}' exited with ${result.exitCode}: ${result.stderr.toString("utf8")}`,
    );
  }
  return Buffer.concat([result.stdout, result.stderr]);
}
