// HTTP handlers for pod and log reads, independent of transport and authentication.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readContainerLog } from "../logs/read-container-log.ts";
import type { PodSource } from "./pod-reader.ts";
import { containerLogTarget, LookupError, podList } from "./pod-reader.ts";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { kind: "Status", apiVersion: "v1", status: "Failure", message, code: status });
}

export function handlePods(source: PodSource, res: ServerResponse): void {
  sendJson(res, 200, podList(source));
}

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LookupError(400, `${name} must be a non-negative integer`);
  return n;
}

/** GET /containerLogs/<namespace>/<pod>/<container>?follow&previous&tailLines&limitBytes&sinceSeconds&timestamps */
export async function handleContainerLogs(
  source: PodSource,
  podLogsDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const [, , namespace, pod, container] = url.pathname.split("/").map(decodeURIComponent);
  const bool = (name: string) => url.searchParams.get(name) === "true" || url.searchParams.get(name) === "1";
  const abort = new AbortController();
  req.on("close", () => abort.abort());
  res.on("close", () => abort.abort());
  try {
    if (!namespace || !pod)
      throw new LookupError(400, "expected /containerLogs/<namespace>/<pod>/<container>");
    const tailLines = intParam(url, "tailLines");
    const limitBytes = intParam(url, "limitBytes");
    const sinceSeconds = intParam(url, "sinceSeconds");
    const follow = bool("follow");
    const target = await containerLogTarget(
      source,
      podLogsDir,
      namespace,
      pod,
      container || undefined,
      bool("previous"),
    );
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    await readContainerLog(
      target.path,
      {
        ...(tailLines !== undefined ? { tailLines } : {}),
        ...(limitBytes !== undefined ? { limitBytes } : {}),
        ...(sinceSeconds !== undefined ? { sinceTime: new Date(Date.now() - sinceSeconds * 1000) } : {}),
        timestamps: bool("timestamps"),
        follow,
        containerRunning: async () => target.running(),
      },
      res,
      abort.signal,
    );
    res.end();
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof LookupError) sendError(res, err.httpStatus, err.message);
    else sendError(res, 500, (err as Error).message);
  }
}
