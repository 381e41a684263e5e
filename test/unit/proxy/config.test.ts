import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseKubeProxyConfiguration } from "../../../proxy/config.ts";
import { isHealthy } from "../../../proxy/health.ts";
import { exponentialBuckets, ProxyMetrics } from "../../../proxy/metrics.ts";

describe("parseKubeProxyConfiguration", () => {
  it("reads the fields nodelet applies", () => {
    const cfg = parseKubeProxyConfiguration(`
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: 10.244.0.0/16,fd00::/48
nodePortAddresses: ["192.168.0.0/16"]
healthzBindAddress: 0.0.0.0:10256
metricsBindAddress: 127.0.0.1:10249
iptables:
  minSyncPeriod: 2s
  syncPeriod: 1m30s
ipvs:
  scheduler: wrr
`);
    assert.deepEqual(cfg, {
      mode: "iptables",
      clusterCIDR: "10.244.0.0/16",
      nodePortAddresses: ["192.168.0.0/16"],
      minSyncPeriodMs: 2000,
      syncPeriodMs: 90000,
      ipvsScheduler: "wrr",
      healthzBindAddress: "0.0.0.0:10256",
      metricsBindAddress: "127.0.0.1:10249",
    });
  });

  it("takes sync periods from the section of the chosen mode", () => {
    const cfg = parseKubeProxyConfiguration(
      "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\nnftables:\n  minSyncPeriod: 500ms\n",
    );
    assert.equal(cfg.minSyncPeriodMs, 500);
  });

  it("rejects other kinds and unknown modes", () => {
    assert.throws(() => parseKubeProxyConfiguration("kind: KubeletConfiguration\n"), /unexpected kind/);
    assert.throws(
      () =>
        parseKubeProxyConfiguration(
          "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: userspace\n",
        ),
      /not supported/,
    );
  });
});

describe("health and metrics", () => {
  it("is healthy only while the last sync is recent", () => {
    assert.equal(isHealthy(null, 30_000, 1000), false);
    assert.equal(isHealthy(1000, 30_000, 50_000), true);
    assert.equal(isHealthy(1000, 30_000, 62_000), false);
  });

  it("exposes the upstream histogram names and buckets", () => {
    assert.deepEqual(exponentialBuckets(0.001, 2, 3), [0.001, 0.002, 0.004]);
    const m = new ProxyMetrics();
    m.syncDuration.observe(0.003);
    const text = m.render();
    assert.match(text, /# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram/);
    assert.match(text, /kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0.002"\} 0/);
    assert.match(text, /kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0.004"\} 1/);
    assert.match(text, /kubeproxy_sync_proxy_rules_duration_seconds_count 1/);
    assert.match(text, /kubeproxy_network_programming_duration_seconds_bucket\{le="300"\} 0/);
  });
});
