// The termination message of a finished container: the file it wrote at terminationMessagePath
// (bind-mounted from the pod directory), or, with FallbackToLogsOnError and a failure, its log tail.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { ContainerStatus } from "../../cri/runtime.ts";
import { readContainerLog } from "../logs/read-container-log.ts";
import {
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
} from "./labels.ts";

export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
export const FALLBACK_LOG_BYTES = 2048;
export const FALLBACK_LOG_LINES = 80;

/** The host file behind /dev/termination-log for one container instance. */
export function terminationMessageHostPath(
  podDir: string,
  containerName: string,
  restartCount: number,
): string {
  return join(podDir, "containers", containerName, `termination-log-${restartCount}`);
}

async function readHead(path: string, maxBytes: number): Promise<string> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}

async function logTail(logPath: string): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await readContainerLog(logPath, { tailLines: FALLBACK_LOG_LINES }, sink);
  const all = Buffer.concat(chunks);
  return all.subarray(Math.max(0, all.length - FALLBACK_LOG_BYTES)).toString("utf8");
}

export function terminationMessageReader(podDirOf: (uid: string) => string | undefined) {
  return async (status: ContainerStatus): Promise<string> => {
    const uid = status.labels["io.kubernetes.pod.uid"];
    const name = status.labels[LABEL_CONTAINER_NAME] ?? status.metadata.name;
    const restart = Number.parseInt(status.annotations[ANNOTATION_RESTART_COUNT] ?? "", 10);
    const podDir = uid ? podDirOf(uid) : undefined;
    let message = "";
    if (podDir) {
      const file = terminationMessageHostPath(
        podDir,
        name,
        Number.isNaN(restart) ? status.metadata.attempt : restart,
      );
      message = await readHead(file, MAX_TERMINATION_MESSAGE_BYTES).catch(() => "");
    }
    const policy = status.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY];
    if (message === "" && policy === "FallbackToLogsOnError" && status.exitCode !== 0 && status.logPath) {
      message = await logTail(status.logPath).catch(() => "");
    }
    return message || status.message;
  };
}
