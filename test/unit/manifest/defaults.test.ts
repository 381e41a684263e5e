import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { applyPodDefaults, defaultImagePullPolicy, imageTag } from "../../../agent/manifest/defaults.ts";

describe("imageTag / defaultImagePullPolicy", () => {
  const cases: [string, string, string][] = [
    ["busybox", "latest", "Always"],
    ["busybox:latest", "latest", "Always"],
    ["busybox:1.36", "1.36", "IfNotPresent"],
    ["docker.io/library/nginx:1.25", "1.25", "IfNotPresent"],
    ["localhost:5000/app", "latest", "Always"],
    ["localhost:5000/app:v2", "v2", "IfNotPresent"],
    ["nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "", "IfNotPresent"],
    [
      "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "latest",
      "Always",
    ],
    ["registry.example.com:443/team/app:1.0@sha256:abc", "1.0", "IfNotPresent"],
  ];
  for (const [image, tag, policy] of cases) {
    it(`${image} → tag ${JSON.stringify(tag)}, ${policy}`, () => {
      assert.equal(imageTag(image), tag);
      assert.equal(defaultImagePullPolicy(image), policy);
    });
  }
});

describe("applyPodDefaults", () => {
  const input: Pod = {
    metadata: { name: "web" },
    spec: {
      containers: [
        {
          name: "app",
          image: "nginx:1.25",
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m" } },
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        },
      ],
      initContainers: [{ name: "init", image: "busybox" }],
      volumes: [
        { name: "scratch" } as never,
        { name: "cfg", configMap: { name: "c" } },
        { name: "h", hostPath: { path: "/x" } },
      ],
    },
  };
  const out = applyPodDefaults(input);

  it("does not modify its input", () => {
    assert.equal(input.metadata.namespace, undefined);
    assert.equal(input.spec.restartPolicy, undefined);
  });
  it("pod-level defaults", () => {
    assert.equal(out.apiVersion, "v1");
    assert.equal(out.kind, "Pod");
    assert.equal(out.metadata.namespace, "default");
    assert.equal(out.spec.restartPolicy, "Always");
    assert.equal(out.spec.dnsPolicy, "ClusterFirst");
    assert.equal(out.spec.terminationGracePeriodSeconds, 30);
    assert.equal(out.spec.schedulerName, "default-scheduler");
    assert.equal(out.spec.enableServiceLinks, true);
    assert.deepEqual(out.spec.securityContext, {});
  });
  it("container defaults", () => {
    const c = out.spec.containers[0]!;
    assert.equal(c.imagePullPolicy, "IfNotPresent");
    assert.equal(c.terminationMessagePath, "/dev/termination-log");
    assert.equal(c.terminationMessagePolicy, "File");
    assert.equal(c.ports![0]!.protocol, "TCP");
    assert.equal(c.ports![0]!.hostPort, undefined);
    assert.equal(c.env![0]!.valueFrom!.fieldRef!.apiVersion, "v1");
    assert.deepEqual(c.resources!.requests, { cpu: "100m", memory: "128Mi" });
    assert.equal(out.spec.initContainers![0]!.imagePullPolicy, "Always");
  });
  it("probe defaults keep explicit values", () => {
    const c = out.spec.containers[0]!;
    assert.deepEqual(c.livenessProbe, {
      httpGet: { port: 80, path: "/", scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.readinessProbe!.periodSeconds, 5);
    assert.equal(c.startupProbe, undefined);
  });
  it("volume defaults", () => {
    assert.deepEqual(out.spec.volumes![0], { name: "scratch", emptyDir: {} });
    assert.deepEqual(out.spec.volumes![1], { name: "cfg", configMap: { name: "c", defaultMode: 420 } });
    assert.deepEqual(out.spec.volumes![2], { name: "h", hostPath: { path: "/x", type: "" } });
  });
  it("hostNetwork: hostPort defaults to containerPort", () => {
    const p = applyPodDefaults({
      metadata: { name: "x" },
      spec: {
        hostNetwork: true,
        containers: [{ name: "a", image: "a:1", ports: [{ containerPort: 8080 }] }],
      },
    });
    assert.equal(p.spec.containers[0]!.ports![0]!.hostPort, 8080);
  });
  it("keeps explicit values", () => {
    const p = applyPodDefaults({
      metadata: { name: "x", namespace: "kube-system" },
      spec: {
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [{ name: "a", image: "a", imagePullPolicy: "Never" }],
      },
    });
    assert.equal(p.metadata.namespace, "kube-system");
    assert.equal(p.spec.restartPolicy, "Never");
    assert.equal(p.spec.terminationGracePeriodSeconds, 0);
    assert.equal(p.spec.enableServiceLinks, false);
    assert.equal(p.spec.containers[0]!.imagePullPolicy, "Never");
  });
});
