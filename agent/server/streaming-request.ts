// What a kubelet API streaming request asks for, read from its path and query the way the kubelet
// reads them: /exec and /attach name a container (with or without the pod UID), /portForward a pod,
// /run a container and a space-separated `cmd`.
import type { StreamOptions } from "../../cri/runtime.ts";

export interface ContainerRef {
  namespace: string;
  pod: string;
  /** Present when the path names the pod UID: then it must match. */
  uid?: string;
  container: string;
}

export interface PodRef {
  namespace: string;
  pod: string;
  uid?: string;
}

export type StreamingRequest =
  | { kind: "exec"; target: ContainerRef; command: string[]; streams: StreamOptions }
  | { kind: "attach"; target: ContainerRef; streams: StreamOptions }
  | { kind: "portForward"; target: PodRef; ports: number[] }
  | { kind: "run"; target: ContainerRef; command: string[] };

export type StreamingKind = StreamingRequest["kind"];

export class StreamingRequestError extends Error {
  readonly httpStatus: 400 | 404;
  constructor(httpStatus: 400 | 404, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

const PREFIXES: Record<string, StreamingKind> = {
  exec: "exec",
  attach: "attach",
  portForward: "portForward",
  run: "run",
};

/** The streaming kind a path belongs to (its first segment), if any. */
export function streamingKind(path: string): StreamingKind | undefined {
  const first = path.split("/")[1] ?? "";
  return Object.hasOwn(PREFIXES, first) ? PREFIXES[first] : undefined;
}

function pathSegments(path: string): string[] {
  const parts = path.split("/").slice(2);
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw new StreamingRequestError(400, `malformed path ${path}`);
  }
}

const notFound = (): StreamingRequestError => new StreamingRequestError(404, "404 page not found");

function containerRef(segments: string[]): ContainerRef {
  if (segments.some((s) => s === "")) throw notFound();
  if (segments.length === 3) {
    const [namespace, pod, container] = segments as [string, string, string];
    return { namespace, pod, container };
  }
  if (segments.length === 4) {
    const [namespace, pod, uid, container] = segments as [string, string, string, string];
    return { namespace, pod, uid, container };
  }
  throw notFound();
}

function podRef(segments: string[]): PodRef {
  if (segments.some((s) => s === "")) throw notFound();
  if (segments.length === 2) return { namespace: segments[0]!, pod: segments[1]! };
  if (segments.length === 3) return { namespace: segments[0]!, pod: segments[1]!, uid: segments[2]! };
  throw notFound();
}

const flag = (query: URLSearchParams, name: string): boolean => {
  const v = query.get(name);
  return v === "1" || v === "true";
};

/** input/output/error/tty as the kubelet reads them; a TTY merges stderr into stdout. */
export function streamOptions(query: URLSearchParams): StreamOptions {
  const tty = flag(query, "tty");
  const streams = {
    stdin: flag(query, "input"),
    stdout: flag(query, "output"),
    stderr: flag(query, "error") && !tty,
    tty,
  };
  if (!streams.stdin && !streams.stdout && !streams.stderr)
    throw new StreamingRequestError(400, "you must specify at least 1 of stdin, stdout, stderr");
  return streams;
}

/** `?port=` values (repeatable); SPDY clients name their ports inside the stream instead. */
export function forwardedPorts(query: URLSearchParams): number[] {
  return query.getAll("port").map((text) => {
    if (!/^\d+$/.test(text)) throw new StreamingRequestError(400, `unable to parse "${text}" as a port`);
    const port = Number(text);
    if (port > 65535)
      throw new StreamingRequestError(400, `unable to parse "${text}" as a port: out of range`);
    if (port === 0) throw new StreamingRequestError(400, `port "${text}" must be > 0`);
    return port;
  });
}

/** Throws StreamingRequestError (400 bad query, 404 path of no route). */
export function parseStreamingRequest(path: string, query: URLSearchParams): StreamingRequest {
  const kind = streamingKind(path);
  if (!kind) throw notFound();
  const segments = pathSegments(path);
  switch (kind) {
    case "exec": {
      const target = containerRef(segments);
      const streams = streamOptions(query);
      const command = query.getAll("command");
      if (command.length === 0)
        throw new StreamingRequestError(400, "you must specify at least one command for the container");
      return { kind, target, command, streams };
    }
    case "attach":
      return { kind, target: containerRef(segments), streams: streamOptions(query) };
    case "portForward":
      return { kind, target: podRef(segments), ports: forwardedPorts(query) };
    case "run": {
      const target = containerRef(segments);
      // The kubelet's legacy form: one `cmd` parameter, split at spaces.
      const command = (query.get("cmd") ?? "").split(" ").filter((w) => w !== "");
      if (command.length === 0) throw new StreamingRequestError(400, "missing cmd");
      return { kind, target, command };
    }
  }
}
