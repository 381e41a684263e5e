import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../../agent/api/pod.ts";
import { podReferences } from "../../../agent/pod/pod-references.ts";

test("a pod refers to the ConfigMaps and Secrets of its volumes, env, envFrom and pull secrets", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "ns" },
    spec: {
      imagePullSecrets: [{ name: "regcred" }],
      volumes: [
        { name: "a", configMap: { name: "cm-vol" } },
        { name: "b", secret: { secretName: "sec-vol" } },
        {
          name: "c",
          projected: {
            sources: [
              { configMap: { name: "kube-root-ca.crt" } },
              { secret: { name: "sec-proj" } },
              { serviceAccountToken: { path: "token" } },
            ],
          },
        },
      ],
      initContainers: [{ name: "i", image: "x", envFrom: [{ configMapRef: { name: "cm-init" } }] }],
      containers: [
        {
          name: "c",
          image: "x",
          envFrom: [{ secretRef: { name: "sec-env" } }],
          env: [
            { name: "A", valueFrom: { configMapKeyRef: { name: "cm-vol", key: "k" } } },
            { name: "B", valueFrom: { secretKeyRef: { name: "sec-key", key: "k" } } },
          ],
        },
      ],
    },
  };
  assert.deepEqual(podReferences(pod), {
    configMaps: ["cm-init", "cm-vol", "kube-root-ca.crt"],
    secrets: ["regcred", "sec-env", "sec-key", "sec-proj", "sec-vol"],
  });
});
