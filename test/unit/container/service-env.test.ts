import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ServiceEnvSource,
  serviceEnvForPod,
  serviceEnvVars,
  servicesForPod,
} from "../../../agent/container/service-env.ts";

const kubernetes: ServiceEnvSource = {
  name: "kubernetes",
  namespace: "default",
  clusterIP: "10.96.0.1",
  ports: [{ name: "https", port: 443, protocol: "TCP" }],
};
const redis: ServiceEnvSource = {
  name: "redis-primary",
  namespace: "shop",
  clusterIP: "10.96.0.11",
  ports: [{ port: 6379 }, { name: "metrics", port: 9121, protocol: "TCP" }],
};
const dns: ServiceEnvSource = {
  name: "kube-dns",
  namespace: "kube-system",
  clusterIP: "10.96.0.10",
  ports: [{ name: "dns", port: 53, protocol: "UDP" }],
};
const headless: ServiceEnvSource = {
  name: "db",
  namespace: "shop",
  clusterIP: "None",
  ports: [{ port: 5432 }],
};

describe("serviceEnvVars (upstream FromServices)", () => {
  it("host, ports and docker-link variables in upstream order", () => {
    assert.deepEqual(serviceEnvVars([redis]), [
      { key: "REDIS_PRIMARY_SERVICE_HOST", value: "10.96.0.11" },
      { key: "REDIS_PRIMARY_SERVICE_PORT", value: "6379" },
      { key: "REDIS_PRIMARY_SERVICE_PORT_METRICS", value: "9121" },
      { key: "REDIS_PRIMARY_PORT", value: "tcp://10.96.0.11:6379" },
      { key: "REDIS_PRIMARY_PORT_6379_TCP", value: "tcp://10.96.0.11:6379" },
      { key: "REDIS_PRIMARY_PORT_6379_TCP_PROTO", value: "tcp" },
      { key: "REDIS_PRIMARY_PORT_6379_TCP_PORT", value: "6379" },
      { key: "REDIS_PRIMARY_PORT_6379_TCP_ADDR", value: "10.96.0.11" },
      { key: "REDIS_PRIMARY_PORT_9121_TCP", value: "tcp://10.96.0.11:9121" },
      { key: "REDIS_PRIMARY_PORT_9121_TCP_PROTO", value: "tcp" },
      { key: "REDIS_PRIMARY_PORT_9121_TCP_PORT", value: "9121" },
      { key: "REDIS_PRIMARY_PORT_9121_TCP_ADDR", value: "10.96.0.11" },
    ]);
  });
  it("UDP and IPv6", () => {
    const v6: ServiceEnvSource = {
      name: "dns6",
      namespace: "x",
      clusterIP: "fd00::a",
      ports: [{ port: 53, protocol: "UDP" }],
    };
    const vars = Object.fromEntries(serviceEnvVars([dns, v6]).map((e) => [e.key, e.value]));
    assert.equal(vars["KUBE_DNS_PORT"], "udp://10.96.0.10:53");
    assert.equal(vars["KUBE_DNS_PORT_53_UDP_PROTO"], "udp");
    assert.equal(vars["KUBE_DNS_SERVICE_PORT_DNS"], "53");
    assert.equal(vars["DNS6_PORT_53_UDP"], "udp://[fd00::a]:53");
  });
  it("headless and portless services produce nothing", () => {
    assert.deepEqual(serviceEnvVars([headless, { ...redis, ports: [] }]), []);
  });
});

describe("servicesForPod", () => {
  const all = [
    redis,
    kubernetes,
    dns,
    headless,
    { ...kubernetes, namespace: "shop", clusterIP: "10.96.9.9" },
  ];
  it("own namespace + master service from default, sorted; a same-named service in the pod's namespace wins", () => {
    assert.deepEqual(
      servicesForPod(all, "shop").map((s) => `${s.namespace}/${s.name}`),
      ["shop/kubernetes", "shop/redis-primary"],
    );
    assert.deepEqual(
      servicesForPod([redis, kubernetes], "shop").map((s) => `${s.namespace}/${s.name}`),
      ["default/kubernetes", "shop/redis-primary"],
    );
  });
  it("enableServiceLinks false keeps only the master service", () => {
    assert.deepEqual(
      servicesForPod(all, "shop", false).map((s) => s.name),
      ["kubernetes"],
    );
  });
  it("serviceEnvForPod builds the map", () => {
    const env = serviceEnvForPod(all, "kube-system");
    assert.equal(env["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
    assert.equal(env["KUBERNETES_SERVICE_PORT_HTTPS"], "443");
    assert.equal(env["KUBE_DNS_SERVICE_HOST"], "10.96.0.10");
    assert.equal(env["REDIS_PRIMARY_SERVICE_HOST"], undefined);
  });
});
