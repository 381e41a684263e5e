import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { Pod } from "../../../agent/api/pod.ts";
import { LogEventRecorder } from "../../../agent/events/log-recorder.ts";

describe("LogEventRecorder", () => {
  it("writes one structured line per event: Warning at warn, Normal at info", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const r = new LogEventRecorder(pino({ level: "info" }, sink), "n1");
    const pod: Pod = { metadata: { name: "web", namespace: "shop", uid: "u1" }, spec: { containers: [] } };
    r.containerEvent(pod, "app", "Normal", "Started", "Started container app");
    r.event(pod, "Warning", "FailedMount", "volume x: not found");
    r.nodeEvent("Normal", "Starting", "Starting kubelet.");
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => [l.level, l.type, l.reason, l.pod ?? l.node, l.container, l.msg]),
      [
        [30, "Normal", "Started", "shop/web", "app", "Started container app"],
        [40, "Warning", "FailedMount", "shop/web", undefined, "volume x: not found"],
        [30, "Normal", "Starting", "n1", undefined, "Starting kubelet."],
      ],
    );
  });
});
