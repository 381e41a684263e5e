// fetchEnvSources over an in-memory PodObjects (the port, not the API server) plus buildEnv: what a
// container gets, and the upstream CreateContainerConfigError messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigMap, Secret } from "../../../agent/api/config-objects.ts";
import type { Container, Pod } from "../../../agent/api/pod.ts";
import { buildEnv } from "../../../agent/container/env.ts";
import { fetchEnvSources } from "../../../agent/container/env-sources.ts";
import type { ServiceEnvSource } from "../../../agent/container/service-env.ts";
import type { PodObjects } from "../../../agent/pod/pod-objects.ts";

function objects(cms: ConfigMap[], secrets: Secret[], services: ServiceEnvSource[] | Error): PodObjects {
  return {
    configMap: async (_pod, name) => cms.find((c) => c.metadata.name === name),
    secret: async (_pod, name) => {
      if (name === "forbidden")
        throw new Error('cannot read secrets ns/forbidden: secrets "forbidden" is forbidden');
      return secrets.find((s) => s.metadata.name === name);
    },
    serviceAccountToken: async () => "t",
    services: async () => {
      if (services instanceof Error) throw services;
      return services;
    },
  };
}

const pod = (c: Container, enableServiceLinks?: boolean): Pod => ({
  metadata: { name: "p", namespace: "shop", uid: "u" },
  spec: { containers: [c], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) },
});

const services: ServiceEnvSource[] = [
  { name: "kubernetes", namespace: "default", clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443 }] },
  { name: "db", namespace: "shop", clusterIP: "10.96.0.9", ports: [{ port: 5432 }] },
  { name: "other", namespace: "elsewhere", clusterIP: "10.96.0.7", ports: [{ port: 80 }] },
];

const ctx = { nodeName: "n", hostIP: "10.0.0.1" };

test("ConfigMap and Secret values, envFrom, and service variables of the pod's namespace", async () => {
  const c: Container = {
    name: "app",
    image: "x",
    envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
    env: [{ name: "PASS", valueFrom: { secretKeyRef: { name: "creds", key: "pass" } } }],
  };
  const p = pod(c);
  const objs = objects(
    [{ metadata: { name: "cfg" }, data: { mode: "fast" } }],
    [{ metadata: { name: "creds" }, data: { pass: btoa("s3cret") } }],
    services,
  );
  const fetched = await fetchEnvSources(objs, p, c);
  assert.deepEqual(fetched.errors, []);
  const env = Object.fromEntries(
    buildEnv(p, c, { ...ctx, ...fetched.context }).env.map((e) => [e.key, e.value]),
  );
  assert.equal(env.CFG_mode, "fast");
  assert.equal(env.PASS, "s3cret");
  assert.equal(env.DB_SERVICE_HOST, "10.96.0.9");
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, "443");
  assert.equal(env.OTHER_SERVICE_HOST, undefined);
});

test("enableServiceLinks: false keeps only the master service variables", async () => {
  const c: Container = { name: "app", image: "x" };
  const p = pod(c, false);
  const fetched = await fetchEnvSources(objects([], [], services), p, c);
  const keys = buildEnv(p, c, { ...ctx, ...fetched.context }).env.map((e) => e.key);
  assert.ok(keys.includes("KUBERNETES_SERVICE_HOST"));
  assert.ok(!keys.includes("DB_SERVICE_HOST"));
});

test("missing required objects and failed reads are container config errors; optional ones are skipped", async () => {
  const c: Container = {
    name: "app",
    image: "x",
    envFrom: [{ secretRef: { name: "maybe", optional: true } }],
    env: [
      { name: "A", valueFrom: { configMapKeyRef: { name: "gone", key: "k" } } },
      { name: "B", valueFrom: { secretKeyRef: { name: "forbidden", key: "k" } } },
    ],
  };
  const p = pod(c);
  const fetched = await fetchEnvSources(
    objects([], [], new Error("services have not yet been read at least once, cannot construct envvars")),
    p,
    c,
  );
  const env = buildEnv(p, c, { ...ctx, ...fetched.context });
  assert.deepEqual(
    [...fetched.errors, ...env.errors],
    [
      'cannot read secrets ns/forbidden: secrets "forbidden" is forbidden',
      "services have not yet been read at least once, cannot construct envvars",
      'configmap "gone" not found',
      'secret "forbidden" not found',
    ],
  );
});

test("standalone (no objects): nothing fetched, buildEnv decides as before", async () => {
  const c: Container = { name: "app", image: "x" };
  assert.deepEqual(await fetchEnvSources(undefined, pod(c), c), { context: {}, errors: [] });
});
