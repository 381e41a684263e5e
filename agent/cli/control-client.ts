// Talking to a running nodelet over its control socket.
import { request } from "node:http";
import type { Writable } from "node:stream";

export class ControlError extends Error {}

function get(socketPath: string, path: string): Promise<import("node:http").IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET" }, resolve);
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED") {
        reject(
          new ControlError(
            `nodelet is not running (no control socket at ${socketPath}); start it with "nodelet run"`,
          ),
        );
      } else if (err.code === "EACCES") {
        reject(new ControlError(`permission denied on ${socketPath}: the control socket is root-only`));
      } else reject(err);
    });
    req.end();
  });
}

async function readBody(res: import("node:http").IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function failure(body: string, status: number): ControlError {
  try {
    return new ControlError((JSON.parse(body) as { message?: string }).message ?? `HTTP ${status}`);
  } catch {
    return new ControlError(body || `HTTP ${status}`);
  }
}

export async function getJson<T>(socketPath: string, path: string): Promise<T> {
  const res = await get(socketPath, path);
  const body = await readBody(res);
  if ((res.statusCode ?? 500) >= 400) throw failure(body, res.statusCode ?? 500);
  return JSON.parse(body) as T;
}

export async function streamTo(socketPath: string, path: string, out: Writable): Promise<void> {
  const res = await get(socketPath, path);
  if ((res.statusCode ?? 500) >= 400) throw failure(await readBody(res), res.statusCode ?? 500);
  for await (const chunk of res) out.write(chunk as Buffer);
}
