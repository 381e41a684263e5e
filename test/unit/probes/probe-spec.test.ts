import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isPortName,
  killGracePeriod,
  probeTiming,
  validateContainerProbes,
  validateProbe,
} from "../../../probes/probe-spec.ts";

test("upstream defaults; 0 means default except for initialDelaySeconds", () => {
  assert.deepEqual(probeTiming({ tcpSocket: { port: 80 } }), {
    initialDelaySeconds: 0,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(
    probeTiming({ tcpSocket: { port: 80 }, periodSeconds: 0, timeoutSeconds: 0, initialDelaySeconds: 4 }),
    {
      initialDelaySeconds: 4,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    },
  );
});

test("killGracePeriod: the probe's, else the pod's, else 30", () => {
  assert.equal(
    killGracePeriod({ terminationGracePeriodSeconds: 5 }, { spec: { terminationGracePeriodSeconds: 60 } }),
    5,
  );
  assert.equal(killGracePeriod({}, { spec: { terminationGracePeriodSeconds: 60 } }), 60);
  assert.equal(killGracePeriod(undefined, { spec: {} }), 30);
  assert.equal(killGracePeriod({}, { spec: { terminationGracePeriodSeconds: 0 } }), 0);
});

test("successThreshold must be 1 for liveness and startup, not for readiness", () => {
  const p = { httpGet: { port: 80 }, successThreshold: 2 };
  assert.match(
    validateProbe("liveness", p).join("\n"),
    /livenessProbe\.successThreshold: Invalid value: 2: must be 1/,
  );
  assert.match(validateProbe("startup", p).join("\n"), /startupProbe\.successThreshold.*must be 1/);
  assert.deepEqual(validateProbe("readiness", p), []);
});

test("handler count, negative values, ports, scheme, grace period", () => {
  assert.match(validateProbe("readiness", {}).join(), /must specify a handler type/);
  assert.match(
    validateProbe("readiness", { exec: { command: ["true"] }, tcpSocket: { port: 1 } }).join(),
    /may not specify more than 1 handler type/,
  );
  assert.match(
    validateProbe("readiness", { exec: { command: ["true"] }, periodSeconds: -1 }).join(),
    /periodSeconds.*>= 0|greater than or equal to 0/,
  );
  assert.match(validateProbe("readiness", { tcpSocket: { port: 70000 } }).join(), /between 1 and 65535/);
  assert.match(validateProbe("readiness", { tcpSocket: { port: "Bad_Name" } }).join(), /IANA_SVC_NAME/);
  assert.deepEqual(validateProbe("readiness", { tcpSocket: { port: "http-alt" } }), []);
  assert.match(
    validateProbe("readiness", { httpGet: { port: 80, scheme: "FTP" as "HTTP" } }).join(),
    /Unsupported value: "FTP"/,
  );
  assert.match(
    validateProbe("readiness", { exec: { command: ["x"] }, terminationGracePeriodSeconds: 3 }).join(),
    /must not be set for readinessProbes/,
  );
  assert.match(
    validateProbe("liveness", { exec: { command: ["x"] }, terminationGracePeriodSeconds: 0 }).join(),
    /must be greater than 0/,
  );
  assert.match(validateProbe("liveness", { exec: { command: [] } }).join(), /exec.command: Required value/);
  assert.match(validateProbe("liveness", { grpc: { port: 0 } }).join(), /grpc.port/);
});

test("validateContainerProbes prefixes the container", () => {
  const errs = validateContainerProbes({
    name: "c",
    image: "i",
    livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 },
    readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 },
  });
  assert.deepEqual(errs, ["containers[c].livenessProbe.successThreshold: Invalid value: 3: must be 1"]);
});

test("port names", () => {
  assert.ok(isPortName("http"));
  assert.ok(isPortName("liveness-port"));
  assert.ok(!isPortName("8080"));
  assert.ok(!isPortName("a--b"));
  assert.ok(!isPortName("this-name-is-too-long"));
});
