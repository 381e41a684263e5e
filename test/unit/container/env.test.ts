import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Container, Pod } from "../../../agent/api/pod.ts";
import { buildEnv, type EnvContext, isEnvVarName } from "../../../agent/container/env.ts";

function mkPod(container: Container, extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "uid-123",
      labels: { app: "web", tier: "front" },
      annotations: { "example.com/owner": "team-a" },
    },
    spec: { containers: [container], nodeName: "node-1", serviceAccountName: "sa", ...extra },
  };
}

const configMaps: Record<string, Record<string, string>> = {
  "shop/cfg": { LOG_LEVEL: "debug", "bad key": "x", "1STARTS_WITH_DIGIT": "y", "dotted.key": "z" },
  "shop/other": { LOG_LEVEL: "info", COLOR: "blue" },
};
const secrets: Record<string, Record<string, string>> = { "shop/creds": { password: "s3cret" } };

const ctx: EnvContext = {
  nodeName: "node-1",
  hostIP: "10.0.0.5",
  podIP: "10.244.1.7",
  podIPs: ["10.244.1.7", "fd00::7"],
  nodeAllocatable: { milliCPU: 2000, memoryBytes: 4 * 1024 ** 3 },
  serviceEnv: { DB_SERVICE_HOST: "10.96.0.20", DB_SERVICE_PORT: "5432" },
  configMaps: (ns, name) => configMaps[`${ns}/${name}`],
  secrets: (ns, name) => secrets[`${ns}/${name}`],
};

function envOf(c: Container, context: EnvContext = ctx, extra: Partial<Pod["spec"]> = {}) {
  const r = buildEnv(mkPod(c, extra), c, context);
  return { ...r, map: Object.fromEntries(r.env.map((kv) => [kv.key, kv.value])) };
}

describe("isEnvVarName", () => {
  const cases: [string, boolean][] = [
    ["A", true],
    ["my.env-name", true],
    ["MY_ENV.NAME", true],
    ["MyEnvName1", true],
    ["_x", true],
    ["-x", true],
    [".x", true],
    ["1x", false],
    ["", false],
    ["a b", false],
    ["a=b", false],
  ];
  for (const [n, ok] of cases) it(`${JSON.stringify(n)} → ${ok}`, () => assert.equal(isEnvVarName(n), ok));
});

describe("buildEnv ordering and precedence", () => {
  it("envFrom first, env overrides, service env last and only when not defined", () => {
    const c: Container = {
      name: "c",
      image: "x",
      envFrom: [{ configMapRef: { name: "other" } }],
      env: [
        { name: "COLOR", value: "red" },
        { name: "DB_SERVICE_PORT", value: "1" },
      ],
    };
    const r = envOf(c);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.env, [
      { key: "LOG_LEVEL", value: "info" },
      { key: "COLOR", value: "red" },
      { key: "DB_SERVICE_PORT", value: "1" },
      { key: "DB_SERVICE_HOST", value: "10.96.0.20" },
    ]);
  });
  it("later envFrom sources override earlier ones", () => {
    const c: Container = {
      name: "c",
      image: "x",
      envFrom: [{ configMapRef: { name: "other" } }, { configMapRef: { name: "cfg" } }],
    };
    assert.equal(envOf(c).map["LOG_LEVEL"], "debug");
  });
  it("invalid envFrom keys are skipped with a warning; prefix applies", () => {
    const c: Container = {
      name: "c",
      image: "x",
      envFrom: [{ configMapRef: { name: "cfg" }, prefix: "P_" }],
    };
    const r = envOf(c);
    assert.deepEqual(r.errors, []);
    assert.equal(r.map["P_LOG_LEVEL"], "debug");
    assert.equal(r.map["P_1STARTS_WITH_DIGIT"], "y"); // valid once prefixed
    assert.equal(r.map["P_dotted.key"], "z");
    assert.equal(r.map["P_bad key"], undefined);
    assert.deepEqual(r.warnings, [
      "Keys [P_bad key] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.",
    ]);
  });
  it("missing envFrom: error unless optional", () => {
    const c: Container = {
      name: "c",
      image: "x",
      envFrom: [{ configMapRef: { name: "nope" } }, { secretRef: { name: "gone", optional: true } }],
    };
    assert.deepEqual(envOf(c).errors, ['configmap "nope" not found']);
  });
});

describe("buildEnv $(VAR) expansion", () => {
  it("sees earlier vars and service vars, not later ones; valueFrom is not expanded", () => {
    const c: Container = {
      name: "c",
      image: "x",
      env: [
        { name: "A", value: "a" },
        { name: "B", value: "$(A)-$(C)-$(DB_SERVICE_HOST)" },
        { name: "C", value: "c" },
        { name: "D", value: "$$(A)" },
        { name: "E", valueFrom: { configMapKeyRef: { name: "weird", key: "k" } } },
      ],
    };
    const r = envOf(c, {
      ...ctx,
      configMaps: (ns, n) => (n === "weird" ? { k: "$(A)" } : configMaps[`${ns}/${n}`]),
    });
    assert.equal(r.map["B"], "a-$(C)-10.96.0.20");
    assert.equal(r.map["D"], "$(A)");
    assert.equal(r.map["E"], "$(A)");
  });
  it("envFrom values are visible to expansion", () => {
    const c: Container = {
      name: "c",
      image: "x",
      envFrom: [{ configMapRef: { name: "other" } }],
      env: [{ name: "X", value: "level=$(LOG_LEVEL)" }],
    };
    assert.equal(envOf(c).map["X"], "level=info");
  });
  it("a var with neither value nor valueFrom is empty", () => {
    assert.equal(envOf({ name: "c", image: "x", env: [{ name: "EMPTY" }] }).map["EMPTY"], "");
  });
});

describe("buildEnv fieldRef", () => {
  const fields: [string, string][] = [
    ["metadata.name", "web"],
    ["metadata.namespace", "shop"],
    ["metadata.uid", "uid-123"],
    ["metadata.labels['app']", "web"],
    ["metadata.labels['missing']", ""],
    ["metadata.annotations['example.com/owner']", "team-a"],
    ["spec.nodeName", "node-1"],
    ["spec.serviceAccountName", "sa"],
    ["status.podIP", "10.244.1.7"],
    ["status.podIPs", "10.244.1.7,fd00::7"],
    ["status.hostIP", "10.0.0.5"],
    ["status.hostIPs", "10.0.0.5"],
    ["metadata.labels", 'app="web"\ntier="front"'],
  ];
  for (const [path, want] of fields) {
    it(`${path} → ${JSON.stringify(want)}`, () => {
      const c: Container = {
        name: "c",
        image: "x",
        env: [{ name: "V", valueFrom: { fieldRef: { fieldPath: path } } }],
      };
      const r = envOf(c);
      assert.deepEqual(r.errors, []);
      assert.equal(r.map["V"], want);
    });
  }
  it("unsupported path is an error", () => {
    const c: Container = {
      name: "c",
      image: "x",
      env: [{ name: "V", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }],
    };
    assert.deepEqual(envOf(c).errors, ["unsupported fieldPath: spec.bogus"]);
  });
});

describe("buildEnv resourceFieldRef", () => {
  function val(c: Container, resource: string, divisor?: string, containerName?: string) {
    const ref: { resource: string; divisor?: string; containerName?: string } = { resource };
    if (divisor) ref.divisor = divisor;
    if (containerName) ref.containerName = containerName;
    const withEnv: Container = { ...c, env: [{ name: "V", valueFrom: { resourceFieldRef: ref } }] };
    const r = envOf(withEnv);
    assert.deepEqual(r.errors, []);
    return r.map["V"];
  }
  const limited: Container = {
    name: "c",
    image: "x",
    resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "1500m", memory: "128Mi" } },
  };
  const bare: Container = { name: "c", image: "x" };
  const cases: [string, Container, string, string | undefined, string][] = [
    ["cpu limit rounds up to whole cores", limited, "limits.cpu", undefined, "2"],
    ["cpu request rounds up", limited, "requests.cpu", undefined, "1"],
    ["cpu limit in millicores", limited, "limits.cpu", "1m", "1500"],
    ["memory limit in bytes", limited, "limits.memory", undefined, "134217728"],
    ["memory limit in Mi", limited, "limits.memory", "1Mi", "128"],
    ["memory request in Mi", limited, "requests.memory", "1Mi", "64"],
    ["memory limit in Gi rounds up", limited, "limits.memory", "1Gi", "1"],
    ["no cpu limit → node allocatable", bare, "limits.cpu", undefined, "2"],
    ["no memory limit → node allocatable", bare, "limits.memory", "1Mi", "4096"],
    ["no request → 0", bare, "requests.cpu", undefined, "0"],
    ["zero divisor treated as 1", limited, "limits.cpu", "0", "2"],
  ];
  for (const [name, c, res, div, want] of cases) it(name, () => assert.equal(val(c, res, div), want));
  it("request defaults to limit", () => {
    const c: Container = { name: "c", image: "x", resources: { limits: { cpu: "3" } } };
    assert.equal(val(c, "requests.cpu"), "3");
  });
  it("containerName picks another container", () => {
    const c: Container = {
      name: "c",
      image: "x",
      env: [
        { name: "V", valueFrom: { resourceFieldRef: { resource: "limits.memory", containerName: "side" } } },
      ],
    };
    const side: Container = { name: "side", image: "x", resources: { limits: { memory: "1Ki" } } };
    const p = mkPod(c);
    p.spec.containers.push(side);
    const r = buildEnv(p, c, ctx);
    assert.equal(r.env.find((e) => e.key === "V")?.value, "1024");
    const bad: Container = {
      ...c,
      env: [
        { name: "V", valueFrom: { resourceFieldRef: { resource: "limits.memory", containerName: "nope" } } },
      ],
    };
    assert.deepEqual(buildEnv(mkPod(bad), bad, ctx).errors, ["container nope not found"]);
  });
  it("unsupported resource is an error", () => {
    const c: Container = {
      name: "c",
      image: "x",
      env: [{ name: "V", valueFrom: { resourceFieldRef: { resource: "limits.gpu" } } }],
    };
    assert.deepEqual(envOf(c).errors, ["unsupported container resource : limits.gpu"]);
  });
});

describe("buildEnv configMapKeyRef / secretKeyRef", () => {
  const cases: [string, Container["env"], Record<string, string | undefined>, string[]][] = [
    [
      "configMap key",
      [{ name: "L", valueFrom: { configMapKeyRef: { name: "cfg", key: "LOG_LEVEL" } } }],
      { L: "debug" },
      [],
    ],
    [
      "secret key",
      [{ name: "P", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }],
      { P: "s3cret" },
      [],
    ],
    [
      "missing key, required",
      [{ name: "L", valueFrom: { configMapKeyRef: { name: "cfg", key: "NOPE" } } }],
      { L: undefined },
      ["couldn't find key NOPE in ConfigMap shop/cfg"],
    ],
    [
      "missing secret, required",
      [{ name: "P", valueFrom: { secretKeyRef: { name: "nope", key: "password" } } }],
      { P: undefined },
      ['secret "nope" not found'],
    ],
    [
      "missing secret key, required",
      [{ name: "P", valueFrom: { secretKeyRef: { name: "creds", key: "user" } } }],
      { P: undefined },
      ["couldn't find key user in Secret shop/creds"],
    ],
    [
      "missing but optional: skipped, earlier value kept",
      [
        { name: "L", value: "keep" },
        { name: "L", valueFrom: { configMapKeyRef: { name: "nope", key: "x", optional: true } } },
        { name: "M", valueFrom: { secretKeyRef: { name: "creds", key: "x", optional: true } } },
      ],
      { L: "keep", M: undefined },
      [],
    ],
  ];
  for (const [name, env, want, errors] of cases) {
    it(name, () => {
      const r = envOf({ name: "c", image: "x", env });
      assert.deepEqual(r.errors, errors);
      for (const [k, v] of Object.entries(want)) assert.equal(r.map[k], v);
    });
  }
  it("no lookup function means the object does not exist", () => {
    const c: Container = {
      name: "c",
      image: "x",
      env: [{ name: "L", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } }],
    };
    assert.deepEqual(buildEnv(mkPod(c), c, { nodeName: "n", hostIP: "1.2.3.4" }).errors, [
      'configmap "cfg" not found',
    ]);
  });
});
