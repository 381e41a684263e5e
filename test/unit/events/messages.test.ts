import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { goDuration, hookFailedMessage, messages } from "../../../agent/events/messages.ts";
import { containerFieldPath } from "../../../agent/events/recorder.ts";

const pod: Pod = {
  metadata: { name: "web", namespace: "shop", uid: "u-1" },
  spec: {
    initContainers: [{ name: "init", image: "busybox:1.36" }],
    containers: [{ name: "app", image: "busybox:1.36" }],
  },
};

describe("event messages", () => {
  it("formats durations like Go's time.Duration truncated to ms", () => {
    assert.equal(goDuration(0), "0s");
    assert.equal(goDuration(850), "850ms");
    assert.equal(goDuration(1200), "1.2s");
    assert.equal(goDuration(1234), "1.234s");
    assert.equal(goDuration(2000), "2s");
    assert.equal(goDuration(62_500), "1m2.5s");
    assert.equal(goDuration(60_000), "1m0s");
    assert.equal(goDuration(3_723_000), "1h2m3s");
  });

  it("uses upstream's texts", () => {
    assert.equal(messages.pulling("busybox:1.36"), 'Pulling image "busybox:1.36"');
    assert.equal(
      messages.pulled("busybox:1.36", 1200, 1200, 2_000_000),
      'Successfully pulled image "busybox:1.36" in 1.2s (1.2s including waiting). Image size: 2000000 bytes.',
    );
    assert.equal(messages.alreadyPresent("x"), 'Container image "x" already present on machine');
    assert.equal(messages.created("app"), "Created container: app");
    assert.equal(messages.started("app"), "Started container app");
    assert.equal(messages.stopping("app"), "Stopping container app");
    assert.equal(
      messages.backOffRestart("app", pod),
      "Back-off restarting failed container app in pod web_shop(u-1)",
    );
    assert.equal(
      messages.probeFailed("liveness", "HTTP probe failed with statuscode: 500"),
      "Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
    assert.equal(messages.nodeStatus("n1", "NodeReady"), "Node n1 status is now: NodeReady");
    assert.equal(
      hookFailedMessage({ exec: { command: ["sh", "-c", "exit 1"] } }, "app", pod, "exit 1"),
      'Exec lifecycle hook ([sh -c exit 1]) for Container "app" in Pod "web_shop(u-1)" failed - error: exit 1, message: ""',
    );
  });

  it("names containers by their field path", () => {
    assert.equal(containerFieldPath(pod, "app"), "spec.containers{app}");
    assert.equal(containerFieldPath(pod, "init"), "spec.initContainers{init}");
  });
});
