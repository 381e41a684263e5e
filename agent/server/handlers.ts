// HTTP handlers for pod and log reads, independent of transport and authentication. Two styles:
// the control socket answers like the API server (JSON Status errors; `nodelet logs` prints them),
// the kubelet API like the kubelet (plain-text errors, which the API server relays to kubectl).
import type { IncomingMessage, ServerResponse } from "node:http";
import { readContainerLog } from "../logs/read-container-log.ts";
import { LogQueryError, logReadOptions, parseContainerLogQuery } from "./container-log-query.ts";
import type { PodSource } from "./pod-reader.ts";
import { containerLogTarget, findPod, LookupError, podList } from "./pod-reader.ts";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { kind: "Status", apiVersion: "v1", status: "Failure", message, code: status });
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(text.endsWith("\n") ? text : `${text}\n`);
}

export function handlePods(source: PodSource, res: ServerResponse): void {
  sendJson(res, 200, podList(source));
}

export type LogsStyle = "control" | "kubelet";

/** GET /containerLogs/<namespace>/<pod>/<container>?follow&previous&tailLines&limitBytes&sinceSeconds&sinceTime&timestamps&stream */
export async function handleContainerLogs(
  source: PodSource,
  podLogsDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  style: LogsStyle = "control",
): Promise<void> {
  const [, , namespace, pod, container] = url.pathname.split("/").map(decodeURIComponent);
  const abort = new AbortController();
  req.on("close", () => abort.abort());
  res.on("close", () => abort.abort());
  try {
    if (style === "kubelet") {
      // The kubelet's own checks, before the ones shared with the control socket.
      if (!pod) throw new LookupError(400, "missing podID");
      if (!container) throw new LookupError(400, "missing container name");
      if (!namespace) throw new LookupError(400, "missing podNamespace");
    } else if (!namespace || !pod) {
      throw new LookupError(400, "expected /containerLogs/<namespace>/<pod>/<container>");
    }
    const query = parseContainerLogQuery(url.searchParams);
    if (style === "kubelet") {
      const view = findPod(source, namespace, pod);
      if (!view) throw new LookupError(404, `pod "${pod}" does not exist`);
      const specs = [...(view.pod.spec.initContainers ?? []), ...view.pod.spec.containers];
      if (!specs.some((c) => c.name === container))
        throw new LookupError(404, `container "${container}" not found in pod "${pod}"`);
    }
    const target = await containerLogTarget(
      source,
      podLogsDir,
      namespace,
      pod,
      container || undefined,
      query.previous,
    );
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    await readContainerLog(
      target.path,
      { ...logReadOptions(query, Date.now()), containerRunning: async () => target.running() },
      res,
      abort.signal,
    );
    res.end();
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = err instanceof LookupError || err instanceof LogQueryError ? err.httpStatus : 500;
    if (style === "kubelet") sendText(res, status, (err as Error).message);
    else sendError(res, status, (err as Error).message);
  }
}
