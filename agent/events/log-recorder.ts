// Standalone mode has no API to write Events to: each event becomes one structured log line
// (Warning at warn level, Normal at info), with the object and reason as fields.
import type { Pod } from "../api/pod.ts";
import type { Logger } from "../log.ts";
import type { EventRecorder, EventType } from "./recorder.ts";

export class LogEventRecorder implements EventRecorder {
  readonly #log: Logger;
  readonly #nodeName: string;

  constructor(log: Logger, nodeName: string) {
    this.#log = log;
    this.#nodeName = nodeName;
  }

  event(pod: Pod, type: EventType, reason: string, message: string): void {
    this.#write(type, { pod: podRef(pod), podUid: pod.metadata.uid, reason }, message);
  }

  containerEvent(pod: Pod, container: string, type: EventType, reason: string, message: string): void {
    this.#write(type, { pod: podRef(pod), podUid: pod.metadata.uid, container, reason }, message);
  }

  nodeEvent(type: EventType, reason: string, message: string): void {
    this.#write(type, { node: this.#nodeName, reason }, message);
  }

  #write(type: EventType, fields: Record<string, unknown>, message: string): void {
    const line = { event: true, type, ...fields };
    if (type === "Warning") this.#log.warn(line, message);
    else this.#log.info(line, message);
  }
}

function podRef(pod: Pod): string {
  return `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`;
}
