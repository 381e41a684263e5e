import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration } from "../../../agent/config/duration.ts";
import { parseKubeletConfiguration } from "../../../agent/config/kubelet-configuration.ts";

describe("parseDuration", () => {
  it("reads Go durations", () => {
    assert.equal(parseDuration("20s"), 20_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("300ms"), 300);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("0"), 0);
    assert.throws(() => parseDuration("20"), /invalid duration "20"/);
    assert.throws(() => parseDuration("5x"), /invalid duration/);
  });
});

describe("parseKubeletConfiguration", () => {
  it("maps the fields that apply and lists the ones it ignores", () => {
    const { config, errors, ignored } = parseKubeletConfiguration(`
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: /etc/k8s/manifests
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
podLogsDir: /var/log/pods2
maxPods: 50
cgroupDriver: systemd
cgroupRoot: /custom
clusterDNS: [10.96.0.10]
clusterDomain: example.local
healthzPort: 0
fileCheckFrequency: 5s
crashLoopBackOff:
  maxContainerRestartPeriod: 60s
containerLogMaxSize: 5Mi
rotateCertificates: false
serializeImagePulls: false
`);
    assert.deepEqual(errors, []);
    assert.deepEqual(ignored, ["serializeImagePulls"]);
    assert.deepEqual(config, {
      manifestsDir: "/etc/k8s/manifests",
      runtimeEndpoint: "unix:///run/containerd/containerd.sock",
      podLogsDir: "/var/log/pods2",
      maxPods: 50,
      cgroupDriver: "systemd",
      cgroupRoot: "/custom",
      clusterDNS: ["10.96.0.10"],
      clusterDomain: "example.local",
      healthzPort: 0,
      fileCheckFrequencyMs: 5000,
      crashLoopBackOffMaxMs: 60_000,
      containerLogMaxSizeBytes: 5 * 1024 * 1024,
      rotateCertificates: false,
    });
  });

  it("names the field and the reason of each bad value", () => {
    const { errors } = parseKubeletConfiguration(`
apiVersion: v1
kind: KubeletConfiguration
maxPods: -1
cgroupDriver: cgroupv3
fileCheckFrequency: soon
`);
    assert.deepEqual(
      errors.map((e) => e.field),
      ["apiVersion", "maxPods", "cgroupDriver", "fileCheckFrequency"],
    );
    assert.match(errors[1]!.reason, /between 1 and 100000/);
  });

  it("reads the kubelet API's serving, authentication and authorization settings", () => {
    const { config, errors } = parseKubeletConfiguration(`
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
port: 10350
address: 10.0.0.5
tlsCertFile: /etc/kubelet/tls.crt
tlsPrivateKeyFile: /etc/kubelet/tls.key
authentication:
  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}
  webhook: {enabled: true, cacheTTL: 30s}
  anonymous: {enabled: false}
authorization:
  mode: Webhook
  webhook: {cacheAuthorizedTTL: 1m, cacheUnauthorizedTTL: 5s}
`);
    assert.deepEqual(errors, []);
    assert.deepEqual(config, {
      kubeletPort: 10350,
      address: "10.0.0.5",
      tlsCertFile: "/etc/kubelet/tls.crt",
      tlsPrivateKeyFile: "/etc/kubelet/tls.key",
      clientCAFile: "/etc/kubernetes/pki/ca.crt",
      authenticationTokenWebhook: true,
      authenticationTokenWebhookCacheTtlMs: 30_000,
      anonymousAuth: false,
      authorizationMode: "Webhook",
      authorizationWebhookCacheAuthorizedTtlMs: 60_000,
      authorizationWebhookCacheUnauthorizedTtlMs: 5_000,
    });
    assert.equal(parseKubeletConfiguration("kind: KubeletConfiguration\nport: 0\n").config.kubeletPort, 0);
    const bad = parseKubeletConfiguration(`
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: {webhook: {cacheTTL: later}}
authorization: {mode: RBAC}
`).errors;
    assert.deepEqual(
      bad.map((e) => [e.field, e.reason]),
      [
        ["authentication", 'webhook.cacheTTL: invalid duration "later" (expected e.g. "20s", "1m30s")'],
        ["authorization", 'mode: must be "Webhook" or "AlwaysAllow"'],
      ],
    );
  });

  it("rejects a document that is not an object", () => {
    assert.equal(
      parseKubeletConfiguration("- a\n- b\n").errors[0]?.reason,
      "must be a KubeletConfiguration object",
    );
    assert.match(parseKubeletConfiguration("a: [\n").errors[0]!.reason, /invalid YAML/);
  });
});
