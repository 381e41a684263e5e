// The termination message of a finished container: the file it wrote at terminationMessagePath
// (bind-mounted from the pod directory), or, with FallbackToLogsOnError and a failure, its log tail.
import { Writable } from "node:stream";
import type { ContainerStatus } from "../../cri/runtime.ts";
import { readContainerLog } from "../logs/read-container-log.ts";
import { readTerminationMessage, terminationLogPath } from "../volumes/termination-log.ts";
import {
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
} from "./labels.ts";

export const FALLBACK_LOG_BYTES = 2048;
export const FALLBACK_LOG_LINES = 80;

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
      const attempt = Number.isNaN(restart) ? status.metadata.attempt : restart;
      message = await readTerminationMessage(terminationLogPath(podDir, name, attempt));
    }
    const policy = status.annotations[ANNOTATION_TERMINATION_MESSAGE_POLICY];
    if (message === "" && policy === "FallbackToLogsOnError" && status.exitCode !== 0 && status.logPath) {
      message = await logTail(status.logPath).catch(() => "");
    }
    return message || status.message;
  };
}
