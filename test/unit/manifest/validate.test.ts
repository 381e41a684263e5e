import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatFieldError } from "../../../agent/manifest/field-errors.ts";
import { validatePod } from "../../../agent/manifest/validate.ts";

type Json = Record<string, unknown>;

function base(): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      volumes: [
        { name: "data", emptyDir: {} },
        { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
      ],
      initContainers: [{ name: "init", image: "busybox:1.36", command: ["true"] }],
      containers: [
        {
          name: "app",
          image: "nginx:1.25",
          ports: [{ name: "http", containerPort: 80 }],
          env: [{ name: "MODE", value: "prod" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
          volumeMounts: [{ name: "data", mountPath: "/data" }],
          livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
          readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 },
        },
        { name: "sidecar", image: "busybox", args: ["sleep", "1d"] },
      ],
    },
  };
}

/** Applies a mutation to a fresh valid pod and returns the formatted errors. */
function errorsAfter(
  mutate: (
    p: Json & { spec: Json & { containers: Json[]; initContainers: Json[]; volumes: Json[] } },
  ) => void,
): string[] {
  const p = base() as never;
  mutate(p);
  return validatePod(p).errors.map(formatFieldError);
}

const REGEX_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const REGEX_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe("validatePod: a valid pod", () => {
  it("passes, defaulted, without warnings", () => {
    const r = validatePod(base());
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.pod?.metadata.namespace, "default");
    assert.equal(r.pod?.spec.containers[1]?.imagePullPolicy, "Always");
  });
  it("sidecar init container with probes is fine", () => {
    assert.deepEqual(
      errorsAfter((p) => {
        p.spec.initContainers.push({
          name: "proxy",
          image: "envoy:1",
          restartPolicy: "Always",
          startupProbe: { exec: { command: ["true"] } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
        });
      }),
      [],
    );
  });
});

describe("validatePod: errors name the exact field", () => {
  const cases: [string, (p: never) => void, string[]][] = [
    [
      "not a Pod",
      (p: Json) => {
        p["kind"] = "Deployment";
      },
      ['kind: Unsupported value: "Deployment": supported values: "Pod"'],
    ],
    [
      "wrong apiVersion",
      (p: Json) => {
        p["apiVersion"] = "apps/v1";
      },
      ['apiVersion: Unsupported value: "apps/v1": supported values: "v1"'],
    ],
    [
      "missing apiVersion",
      (p: Json) => {
        delete p["apiVersion"];
      },
      ["apiVersion: Required value"],
    ],
    [
      "missing name",
      (p: { metadata: Json }) => {
        delete p.metadata["name"];
      },
      ["metadata.name: Required value"],
    ],
    [
      "bad name",
      (p: { metadata: Json }) => {
        p.metadata["name"] = "Web_1";
      },
      [`metadata.name: Invalid value: "Web_1": ${REGEX_SUBDOMAIN}`],
    ],
    [
      "namespace with dots",
      (p: { metadata: Json }) => {
        p.metadata["namespace"] = "a.b";
      },
      ['metadata.namespace: Invalid value: "a.b": must not contain dots'],
    ],
    [
      "bad label value",
      (p: { metadata: Json }) => {
        p.metadata["labels"] = { app: "-x" };
      },
      [
        "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      "no containers",
      (p: { spec: Json }) => {
        p.spec["containers"] = [];
      },
      ["spec.containers: Required value"],
    ],
    [
      "container name not a label",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["name"] = "Side.Car";
      },
      [`spec.containers[1].name: Invalid value: "Side.Car": ${REGEX_LABEL}`],
    ],
    [
      "duplicate container name across init and app",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["name"] = "init";
      },
      ['spec.containers[1].name: Duplicate value: "init"'],
    ],
    [
      "image required",
      (p: { spec: { containers: Json[] } }) => {
        delete p.spec.containers[1]!["image"];
      },
      ["spec.containers[1].image: Required value"],
    ],
    [
      "image whitespace",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["image"] = " busybox";
      },
      ['spec.containers[1].image: Invalid value: " busybox": must not have leading or trailing whitespace'],
    ],
    [
      "port out of range",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["ports"] = [{ containerPort: 70000 }];
      },
      [
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      ],
    ],
    [
      "port 0",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["ports"] = [{ containerPort: 0 }];
      },
      ["spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive"],
    ],
    [
      "duplicate port names",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["ports"] = [
          { name: "http", containerPort: 80 },
          { name: "http", containerPort: 81 },
        ];
      },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      "port name too long and bad",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["ports"] = [{ name: "Very--long-port-name", containerPort: 80 }];
      },
      [
        'spec.containers[0].ports[0].name: Invalid value: "Very--long-port-name": must be no more than 15 characters',
        'spec.containers[0].ports[0].name: Invalid value: "Very--long-port-name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[0].ports[0].name: Invalid value: "Very--long-port-name": must not contain consecutive hyphens',
      ],
    ],
    [
      "protocol",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["ports"] = [{ containerPort: 80, protocol: "tcp" }];
      },
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      "bad memory quantity",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["resources"] = { limits: { memory: "12Mb" } };
      },
      [
        "spec.containers[1].resources.limits[memory]: Invalid value: \"12Mb\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    ],
    [
      "request above limit",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["resources"] = { requests: { cpu: "2" }, limits: { cpu: "1" } };
      },
      [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ],
    ],
    [
      "negative request",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["resources"] = { requests: { cpu: "-1" } };
      },
      ['spec.containers[1].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    [
      "unknown resource name",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["resources"] = { requests: { gpu: "1" } };
      },
      [
        'spec.containers[1].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      "extended resource needs equal limit",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["resources"] = {
          requests: { "example.com/dev": "1" },
          limits: { "example.com/dev": "2" },
        };
      },
      [
        'spec.containers[1].resources.requests: Invalid value: "1": must be equal to example.com/dev limit of 2',
      ],
    ],
    [
      "restartPolicy",
      (p: { spec: Json }) => {
        p.spec["restartPolicy"] = "Sometimes";
      },
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      "init container restartPolicy other than Always",
      (p: { spec: { initContainers: Json[] } }) => {
        p.spec.initContainers[0]!["restartPolicy"] = "Never";
      },
      ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      "restartPolicy on an app container",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["restartPolicy"] = "Always";
      },
      ["spec.containers[1].restartPolicy: Forbidden: may not be set for non-init containers"],
    ],
    [
      "probe on a plain init container",
      (p: { spec: { initContainers: Json[] } }) => {
        p.spec.initContainers[0]!["readinessProbe"] = { exec: { command: ["true"] } };
      },
      [
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
      ],
    ],
    [
      "liveness successThreshold must be 1",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["livenessProbe"] = { exec: { command: ["true"] }, successThreshold: 3 };
      },
      ["spec.containers[1].livenessProbe.successThreshold: Invalid value: 3: must be 1"],
    ],
    [
      "startup successThreshold must be 1",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["startupProbe"] = { exec: { command: ["true"] }, successThreshold: 2 };
      },
      ["spec.containers[1].startupProbe.successThreshold: Invalid value: 2: must be 1"],
    ],
    [
      "negative probe timing",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["readinessProbe"] = {
          exec: { command: ["true"] },
          periodSeconds: -1,
          initialDelaySeconds: -5,
        };
      },
      [
        "spec.containers[1].readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0",
        "spec.containers[1].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
      ],
    ],
    [
      "two handlers in one probe",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["readinessProbe"] = { exec: { command: ["true"] }, tcpSocket: { port: 80 } };
      },
      ["spec.containers[1].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"],
    ],
    [
      "probe without handler",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["livenessProbe"] = { periodSeconds: 5 };
      },
      ["spec.containers[1].livenessProbe: Required value: must specify a handler type"],
    ],
    [
      "two handlers in a hook",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["lifecycle"] = { preStop: { exec: { command: ["x"] }, sleep: { seconds: 1 } } };
      },
      ["spec.containers[1].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type"],
    ],
    [
      "readiness probe terminationGracePeriodSeconds",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["readinessProbe"] = {
          exec: { command: ["true"] },
          terminationGracePeriodSeconds: 5,
        };
      },
      [
        "spec.containers[1].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes",
      ],
    ],
    [
      "exec without command",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["livenessProbe"] = { exec: {} };
      },
      ["spec.containers[1].livenessProbe.exec.command: Required value"],
    ],
    [
      "named probe port invalid",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[1]!["livenessProbe"] = { tcpSocket: { port: "HTTP" } };
      },
      [
        'spec.containers[1].livenessProbe.tcpSocket.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[1].livenessProbe.tcpSocket.port: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    ],
    [
      "duplicate volume names",
      (p: { spec: { volumes: Json[] } }) => {
        p.spec.volumes.push({ name: "data", emptyDir: {} });
      },
      ['spec.volumes[2].name: Duplicate value: "data"'],
    ],
    [
      "two volume sources",
      (p: { spec: { volumes: Json[] } }) => {
        p.spec.volumes[0]!["hostPath"] = { path: "/tmp" };
      },
      ["spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type"],
    ],
    [
      "volume type the node cannot mount",
      (p: { spec: { volumes: Json[] } }) => {
        p.spec.volumes.push({ name: "nfs", nfs: { server: "x", path: "/" } });
      },
      [
        'spec.volumes[2].nfs: Unsupported value: "nfs": supported values: "emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim"',
      ],
    ],
    [
      "hostPath relative with backsteps",
      (p: { spec: { volumes: Json[] } }) => {
        p.spec.volumes[1]!["hostPath"] = { path: "var/../etc" };
      },
      [
        'spec.volumes[1].hostPath.path: Invalid value: "var/../etc": must be an absolute path',
        "spec.volumes[1].hostPath.path: Invalid value: \"var/../etc\": must not contain '..'",
      ],
    ],
    [
      "hostPath type",
      (p: { spec: { volumes: Json[] } }) => {
        p.spec.volumes[1]!["hostPath"] = { path: "/x", type: "Dir" };
      },
      [
        'spec.volumes[1].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    ],
    [
      "mount of an unknown volume",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["volumeMounts"] = [{ name: "nope", mountPath: "/x" }];
      },
      ['spec.containers[0].volumeMounts[0].name: Not found: "nope"'],
    ],
    [
      "relative mountPath",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["volumeMounts"] = [{ name: "data", mountPath: "data" }];
      },
      ['spec.containers[0].volumeMounts[0].mountPath: Invalid value: "data": must be an absolute path'],
    ],
    [
      "duplicate mountPath and bad subPath",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["volumeMounts"] = [
          { name: "data", mountPath: "/d" },
          { name: "host", mountPath: "/d", subPath: "../x" },
        ];
      },
      [
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique',
        "spec.containers[0].volumeMounts[1].subPath: Invalid value: \"../x\": must not contain '..'",
      ],
    ],
    [
      "env var name",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["env"] = [{ name: "1ABC", value: "x" }];
      },
      [
        "spec.containers[0].env[0].name: Invalid value: \"1ABC\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
      ],
    ],
    [
      "env value and valueFrom",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["env"] = [
          { name: "A", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ];
      },
      [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      ],
    ],
    [
      "env unsupported fieldPath",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["env"] = [
          { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.labels" } } },
        ];
      },
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    [
      "env cpu divisor",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["env"] = [
          { name: "A", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1Mi" } } },
        ];
      },
      [
        'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "1Mi": only divisor\'s values 1m and 1 are supported with the cpu resource',
      ],
    ],
    [
      "env value not a string",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["env"] = [{ name: "PORT", value: 8080 }];
      },
      ["spec.containers[0].env[0].value: Invalid type: expected string, got number"],
    ],
    [
      "envFrom without a source",
      (p: { spec: { containers: Json[] } }) => {
        p.spec.containers[0]!["envFrom"] = [{ prefix: "X_" }];
      },
      ['spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
    ],
    [
      "terminationGracePeriodSeconds negative",
      (p: { spec: Json }) => {
        p.spec["terminationGracePeriodSeconds"] = -1;
      },
      ["spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"],
    ],
    [
      "hostNetwork hostPort must match",
      (p: { spec: Json & { containers: Json[] } }) => {
        p.spec["hostNetwork"] = true;
        p.spec.containers[0]!["ports"] = [{ containerPort: 80, hostPort: 8080 }];
      },
      [
        "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true",
      ],
    ],
    [
      "dnsPolicy None without dnsConfig",
      (p: { spec: Json }) => {
        p.spec["dnsPolicy"] = "None";
      },
      ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
    ],
    [
      "containers not an array",
      (p: { spec: Json }) => {
        p.spec["containers"] = { name: "x" };
      },
      ["spec.containers: Invalid type: expected array, got object"],
    ],
  ];
  for (const [name, mutate, want] of cases) {
    it(name, () => assert.deepEqual(errorsAfter(mutate as never), want));
  }
  it("errors mean no pod is returned", () => {
    const p = base();
    (p["metadata"] as Json)["name"] = "";
    const r = validatePod(p);
    assert.equal(r.pod, undefined);
    assert.ok(r.errors.length > 0);
  });
  it("non-object input", () => {
    assert.deepEqual(validatePod("pod").errors.map(formatFieldError), [
      "(root): Invalid type: expected object, got string",
    ]);
    assert.deepEqual(validatePod(null).errors.map(formatFieldError), [
      "(root): Invalid type: expected object, got null",
    ]);
  });
});

describe("validatePod: unknown fields are warnings", () => {
  it("reports paths, keeps the pod", () => {
    const p = base();
    p["extra"] = 1;
    (p["spec"] as Json)["restartpolicy"] = "Never";
    ((p["spec"] as Json)["containers"] as Json[])[1]!["imagePullPolicyy"] = "Always";
    ((p["spec"] as Json)["volumes"] as Json[])[0]!["emptydir"] = {};
    const r = validatePod(p);
    assert.deepEqual(r.errors, []);
    assert.ok(r.pod);
    assert.deepEqual(
      r.warnings.map((w) => w.reason),
      [
        'unknown field "extra"',
        'unknown field "spec.restartpolicy"',
        'unknown field "spec.containers[1].imagePullPolicyy"',
        'unknown field "spec.volumes[0].emptydir"',
      ],
    );
  });
  it("upstream fields nodelet ignores are not unknown", () => {
    const p = base();
    (p["spec"] as Json)["tolerations"] = [];
    (p["spec"] as Json)["topologySpreadConstraints"] = [];
    (p["metadata"] as Json)["ownerReferences"] = [];
    assert.deepEqual(validatePod(p).warnings, []);
  });
});
