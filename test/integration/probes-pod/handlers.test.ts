// The four probe handlers against real listeners, end to end through nodelet: tcpSocket to a
// listener in the pod and to a closed port, grpc, httpGet on a named port, and httpHeaders as the
// server receives them.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerdHandle } from "../../harness/containerd.ts";
import { startContainerd } from "../../harness/containerd.ts";
import { BUSYBOX_IMAGE } from "../../harness/images.ts";
import { spawnInNetns } from "../../harness/netns.ts";
import type { NodeletHandle } from "../../harness/nodelet.ts";
import { containerStatus, startNodelet } from "../../harness/nodelet.ts";
import { conditionStatus, findLogLine, findPod, lineTime, podManifest } from "./helpers.ts";

const GRPC_PORT = 19555;

let ctd: ContainerdHandle;
let nodelet: NodeletHandle;
let grpcServer: ChildProcess | undefined;
const grpcLines: string[] = [];

before(async () => {
  ctd = await startContainerd();
  nodelet = await startNodelet(ctd);
});
after(async () => {
  grpcServer?.kill("SIGKILL");
  await nodelet?.stop();
  await ctd?.stop();
});

const failureLogged = (container: string, kind: string) =>
  findLogLine(
    nodelet,
    (l) =>
      l.container === container && typeof l.msg === "string" && l.msg.startsWith(`${kind} probe failed: `),
  );

/** Samples the pod a few times: the named containers must never become ready. */
async function staysNotReady(pod: string, containers: string[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const p = await nodelet.pod(pod);
    for (const c of containers) assert.equal(containerStatus(p, c)?.ready, false, `${c} is not ready`);
    assert.equal(conditionStatus(p, "Ready"), "False");
    await sleep(500);
  }
}

describe("probe handlers end to end", { concurrency: true }, () => {
  it("tcpSocket: a listener in the pod is ready, a closed port is not", async () => {
    nodelet.writeManifest(
      "tcp.yaml",
      podManifest(
        "tcp",
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: listener
    image: ${BUSYBOX_IMAGE}
    command: [nc, -ll, -p, "9000", -e, "true"]
    readinessProbe: {tcpSocket: {port: 9000}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 9000}, periodSeconds: 1, failureThreshold: 1}
  - name: closed
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe: {tcpSocket: {port: 9001}, periodSeconds: 1}
`,
      ),
    );
    await nodelet.waitFor("tcp listener ready", (pods) =>
      containerStatus(findPod(pods, "tcp"), "listener")?.ready ? true : undefined,
    );
    await nodelet.waitFor("tcp closed port failure logged", () => failureLogged("closed", "readiness"));
    assert.match(String(failureLogged("closed", "readiness")?.msg), /connection refused/);
    await staysNotReady("tcp", ["closed"], 3000);
    const p = await nodelet.pod("tcp");
    assert.equal(containerStatus(p, "listener")?.ready, true);
    assert.equal(containerStatus(p, "listener")?.restartCount, 0, "tcp liveness keeps passing");
    assert.equal(conditionStatus(p, "ContainersReady"), "False");
  });

  it("grpc: a host-network pod probes a health server on the node (SERVING, NOT_SERVING, no listener)", async () => {
    // No gRPC server fits in the busybox image, so the test runs one (Node, @grpc/grpc-js) in the
    // containerd's network namespace — the node's network as a hostNetwork pod sees it — and the
    // pod's probes target it there.
    grpcServer = spawnInNetns(
      ctd.netns,
      [process.execPath, join(import.meta.dirname, "grpc-health-server.ts"), String(GRPC_PORT)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const up = new Promise<void>((resolve, reject) => {
      grpcServer!.once("exit", (code) => reject(new Error(`grpc server exited ${code}`)));
      let buf = "";
      grpcServer!.stdout!.on("data", (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        grpcLines.push(...lines);
        if (lines.includes("listening")) resolve();
      });
    });
    await up;
    nodelet.writeManifest(
      "grpc.yaml",
      podManifest(
        "grpc",
        `  terminationGracePeriodSeconds: 1
  hostNetwork: true
  containers:
  - name: serving
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe: {grpc: {port: ${GRPC_PORT}}, periodSeconds: 1}
    livenessProbe: {grpc: {port: ${GRPC_PORT}}, periodSeconds: 1, failureThreshold: 1}
  - name: db
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe: {grpc: {port: ${GRPC_PORT}, service: db}, periodSeconds: 1}
  - name: nolistener
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe: {grpc: {port: ${GRPC_PORT + 1}}, periodSeconds: 1, timeoutSeconds: 1}
`,
      ),
    );
    await nodelet.waitFor("grpc serving ready", (pods) =>
      containerStatus(findPod(pods, "grpc"), "serving")?.ready ? true : undefined,
    );
    await nodelet.waitFor("grpc db failure logged", () => failureLogged("db", "readiness"));
    assert.match(String(failureLogged("db", "readiness")?.msg), /NOT_SERVING/);
    await nodelet.waitFor(
      "grpc no-listener failure logged",
      () => failureLogged("nolistener", "readiness"),
      10_000,
    );
    await staysNotReady("grpc", ["db", "nolistener"], 3000);
    const p = await nodelet.pod("grpc");
    assert.equal(containerStatus(p, "serving")?.ready, true);
    assert.equal(containerStatus(p, "serving")?.restartCount, 0);
    assert.ok(
      grpcLines.some((l) => /^check "" kube-probe\//.test(l)),
      `server saw the probes: ${grpcLines.slice(0, 3)}`,
    );
    assert.ok(grpcLines.some((l) => l.startsWith('check "db" ')));
  });

  it("httpGet to an endpoint that accepts but never answers costs only its own timeout", async () => {
    // `hang` accepts connections and never answers; `fast` in the same pod must not wait for it.
    nodelet.writeManifest(
      "hang.yaml",
      podManifest(
        "hang",
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: hang
    image: ${BUSYBOX_IMAGE}
    command: [nc, -ll, -p, "8080", -e, sleep, "5"]
    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1}
  - name: fast
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8081 -h /www"]
    readinessProbe: {httpGet: {path: /index.html, port: 8081}, periodSeconds: 1}
`,
      ),
    );
    // The first probe runs right away and may find nc not yet listening (connection refused); the
    // next one, a period later, hangs and must fail on its own 1 s timeout.
    const timedOut = () =>
      findLogLine(
        nodelet,
        (l) =>
          l.container === "hang" &&
          typeof l.msg === "string" &&
          l.msg.startsWith("readiness probe failed: ") &&
          /timeout|timed out|deadline/i.test(l.msg),
      );
    const failed = await nodelet.waitFor("hang timeout logged", () => timedOut());
    const started = findLogLine(nodelet, (l) => l.container === "hang" && l.msg === "container started");
    const after = lineTime(failed) - lineTime(started);
    // At most one refused probe, then one that times out after 1 s; 4 s allows for a loaded machine.
    assert.ok(after >= 900 && after < 4000, `hung probe failed ${after} ms after the start`);
    await nodelet.waitFor("fast ready", (pods) =>
      containerStatus(findPod(pods, "hang"), "fast")?.ready ? true : undefined,
    );
    const fastStarted = findLogLine(nodelet, (l) => l.container === "fast" && l.msg === "container started");
    const fastReady = findLogLine(
      nodelet,
      (l) => l.container === "fast" && l.probe === "readiness" && l.msg === "readiness probe succeeded",
    );
    assert.ok(fastReady, "fast's readiness success is logged");
    assert.ok(
      lineTime(fastReady) - lineTime(fastStarted) < 1500,
      "fast was probed at once, not after hang's timeout",
    );
    await staysNotReady("hang", ["hang"], 2000);
  });

  it("httpGet resolves a named port from the container's ports", async () => {
    nodelet.writeManifest(
      "named.yaml",
      podManifest(
        "named",
        `  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
  - name: unknown
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
    readinessProbe: {httpGet: {path: /, port: nope}, periodSeconds: 1}
`,
      ),
    );
    await nodelet.waitFor("named port ready", (pods) =>
      containerStatus(findPod(pods, "named"), "web")?.ready ? true : undefined,
    );
    // A port name the container does not declare is a prober error (logged, no result), as upstream.
    const errored = await nodelet.waitFor("unknown port error logged", () =>
      findLogLine(nodelet, (l) => l.container === "unknown" && l.reason === "ProbeError"),
    );
    assert.match(String(errored.msg), /port nope not found/);
    await staysNotReady("named", ["unknown"], 2000);
  });

  it("httpGet sends httpHeaders (and Host, User-Agent, Accept) as the server receives them", async () => {
    // busybox httpd hands every request header to a CGI script as HTTP_<NAME>; the script (served
    // from a hostPath the test writes) dumps its environment where the test can read it.
    const dir = join(ctd.dir, "headers-www");
    mkdirSync(join(dir, "cgi-bin"), { recursive: true });
    const script = join(dir, "cgi-bin", "dump");
    writeFileSync(
      script,
      '#!/bin/sh\nenv > /srv/env.tmp && mv /srv/env.tmp /srv/env.txt\nprintf "Content-Type: text/plain\\r\\n\\r\\nok"\n',
    );
    chmodSync(script, 0o755);
    nodelet.writeManifest(
      "headers.yaml",
      podManifest(
        "headers",
        `  terminationGracePeriodSeconds: 1
  volumes: [{name: srv, hostPath: {path: ${dir}, type: Directory}}]
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [httpd, -f, -p, "8080", -h, /srv]
    volumeMounts: [{name: srv, mountPath: /srv}]
    readinessProbe:
      httpGet:
        path: /cgi-bin/dump?from=probe
        port: 8080
        httpHeaders:
        - {name: X-Probe-Token, value: s3cret}
        - {name: Host, value: probe.example}
      periodSeconds: 1
`,
      ),
    );
    const pod = await nodelet.waitFor("headers ready", (pods) => {
      const p = findPod(pods, "headers");
      return containerStatus(p, "web")?.ready ? p : undefined;
    });
    const env = Object.fromEntries(
      readFileSync(join(dir, "env.txt"), "utf8")
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    assert.equal(env.HTTP_X_PROBE_TOKEN, "s3cret");
    assert.equal(env.HTTP_HOST, "probe.example");
    assert.match(env.HTTP_USER_AGENT ?? "", /^kube-probe\/\d+\.\d+$/);
    assert.equal(env.HTTP_ACCEPT, "*/*");
    assert.equal(env.QUERY_STRING, "from=probe");
    assert.equal(env.REQUEST_METHOD, "GET");
    assert.equal(env.REMOTE_ADDR !== undefined, true);
    assert.ok(pod.status?.podIP);
  });
});
