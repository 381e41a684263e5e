import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fromCriContainer,
  fromCriContainerStatus,
  fromCriImage,
  fromCriSandbox,
  fromCriSandboxStatus,
  toCriContainerConfig,
  toCriResources,
  toCriSandboxConfig,
} from "../../../cri/grpc/mapping.ts";
import type { ContainerConfig, SandboxConfig } from "../../../cri/runtime.ts";

function sandboxConfig(overrides: Partial<SandboxConfig["linux"]> = {}): SandboxConfig {
  return {
    metadata: { name: "web", uid: "u-1", namespace: "default", attempt: 2 },
    hostname: "web",
    logDirectory: "/var/log/pods/default_web_u-1",
    dnsConfig: { servers: ["10.96.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
    portMappings: [{ protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "" }],
    labels: { "io.kubernetes.pod.name": "web" },
    annotations: { note: "x" },
    linux: {
      cgroupParent: "/kubepods/besteffort/podu-1",
      namespaceOptions: { network: "pod", pid: "container", ipc: "pod" },
      ...overrides,
    },
  };
}

function containerConfig(overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name: "app", attempt: 0 },
    image: "docker.io/library/busybox:1.36",
    command: ["sh", "-c"],
    args: ["echo hi"],
    workingDir: "/",
    envs: [{ key: "A", value: "b=c" }],
    mounts: [{ containerPath: "/data", hostPath: "/srv/data", readonly: true }],
    labels: { "io.kubernetes.container.name": "app" },
    annotations: {},
    logPath: "app/0.log",
    linux: { resources: { cpuShares: 512, memoryLimitInBytes: 64 * 1024 * 1024 } },
    ...overrides,
  };
}

describe("toCriSandboxConfig", () => {
  it("translates names, enums and nested config", () => {
    const out = toCriSandboxConfig(sandboxConfig({ sysctls: { "net.ipv4.ip_forward": "1" } }));
    assert.deepEqual(out.metadata, { name: "web", uid: "u-1", namespace: "default", attempt: 2 });
    assert.equal(out.log_directory, "/var/log/pods/default_web_u-1");
    assert.deepEqual(out.port_mappings, [
      { protocol: "TCP", container_port: 80, host_port: 8080, host_ip: "" },
    ]);
    assert.deepEqual(out.dns_config?.options, ["ndots:5"]);
    assert.equal(out.linux.cgroup_parent, "/kubepods/besteffort/podu-1");
    assert.deepEqual(out.linux.security_context.namespace_options, {
      network: "POD",
      pid: "CONTAINER",
      ipc: "POD",
    });
    assert.deepEqual(out.linux.sysctls, { "net.ipv4.ip_forward": "1" });
    assert.equal(out.linux.resources, undefined);
  });

  it("maps host namespaces to NODE and passes privileged", () => {
    const out = toCriSandboxConfig(
      sandboxConfig({ namespaceOptions: { network: "node", pid: "node", ipc: "node" }, privileged: true }),
    );
    assert.deepEqual(out.linux.security_context.namespace_options, {
      network: "NODE",
      pid: "NODE",
      ipc: "NODE",
    });
    assert.equal(out.linux.security_context.privileged, true);
  });

  it("omits dns config when absent", () => {
    const cfg = sandboxConfig();
    delete cfg.dnsConfig;
    assert.equal(toCriSandboxConfig(cfg).dns_config, undefined);
  });
});

describe("toCriResources", () => {
  it("sets only the fields that are given", () => {
    assert.deepEqual(toCriResources({ cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 0 }), {
      cpu_period: 100000,
      cpu_quota: 50000,
    });
    assert.deepEqual(toCriResources({ oomScoreAdj: -997, cpusetCpus: "0-1" }), {
      oom_score_adj: -997,
      cpuset_cpus: "0-1",
    });
  });
});

describe("toCriContainerConfig", () => {
  it("translates the container and defaults namespaces to the sandbox's", () => {
    const out = toCriContainerConfig(containerConfig(), sandboxConfig());
    assert.deepEqual(out.metadata, { name: "app", attempt: 0 });
    assert.deepEqual(out.image, { image: "docker.io/library/busybox:1.36" });
    assert.equal(out.working_dir, "/");
    assert.equal(out.log_path, "app/0.log");
    assert.equal(out.envs[0]?.key, "A");
    assert.equal(out.envs[0]?.value.toString(), "b=c");
    assert.deepEqual(out.mounts, [
      { container_path: "/data", host_path: "/srv/data", readonly: true, propagation: "PROPAGATION_PRIVATE" },
    ]);
    assert.deepEqual(out.linux.resources, { cpu_shares: 512, memory_limit_in_bytes: 67108864 });
    assert.deepEqual(out.linux.security_context.namespace_options, {
      network: "POD",
      pid: "CONTAINER",
      ipc: "POD",
    });
    assert.equal(out.linux.security_context.privileged, false);
    assert.equal(out.linux.security_context.run_as_user, undefined);
    assert.equal(out.tty, false);
  });

  it("maps the security context", () => {
    const out = toCriContainerConfig(
      containerConfig({
        mounts: [{ containerPath: "/m", hostPath: "/h", readonly: false, propagation: "bidirectional" }],
        linux: {
          resources: {},
          securityContext: {
            privileged: true,
            runAsUser: 0,
            runAsGroup: 1000,
            readonlyRootfs: true,
            supplementalGroups: [5],
            capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
            namespaceOptions: { network: "node", pid: "pod", ipc: "node" },
          },
        },
      }),
      sandboxConfig(),
    );
    const sc = out.linux.security_context;
    assert.equal(out.mounts[0]?.propagation, "PROPAGATION_BIDIRECTIONAL");
    assert.equal(sc.privileged, true);
    assert.deepEqual(sc.run_as_user, { value: 0 });
    assert.deepEqual(sc.run_as_group, { value: 1000 });
    assert.equal(sc.readonly_rootfs, true);
    assert.deepEqual(sc.supplemental_groups, [5]);
    assert.deepEqual(sc.capabilities, { add_capabilities: ["NET_ADMIN"], drop_capabilities: ["ALL"] });
    assert.deepEqual(sc.namespace_options, { network: "NODE", pid: "POD", ipc: "NODE" });
    assert.deepEqual(out.linux.resources, {});
  });
});

describe("from CRI responses", () => {
  it("maps a sandbox and its status", () => {
    const sandbox = {
      id: "s1",
      metadata: { name: "web", uid: "u-1", namespace: "default", attempt: 0 },
      state: "SANDBOX_READY",
      created_at: "1700000000123456789",
      labels: { a: "b" },
      annotations: {},
    };
    assert.deepEqual(fromCriSandbox(sandbox), {
      id: "s1",
      metadata: { name: "web", uid: "u-1", namespace: "default", attempt: 0 },
      state: "ready",
      createdAt: "1700000000123456789",
      labels: { a: "b" },
      annotations: {},
    });
    const status = fromCriSandboxStatus({
      ...sandbox,
      state: "SANDBOX_NOTREADY",
      network: { ip: "10.88.0.5", additional_ips: [{ ip: "fd00::5" }] },
      linux: { namespaces: { options: { network: "NODE", pid: "CONTAINER", ipc: "POD" } } },
    });
    assert.equal(status.state, "notready");
    assert.equal(status.ip, "10.88.0.5");
    assert.deepEqual(status.additionalIps, ["fd00::5"]);
    assert.equal(status.network, "node");
    const bare = fromCriSandboxStatus({ ...sandbox, network: null, linux: null });
    assert.equal(bare.ip, "");
    assert.equal(bare.network, "pod");
  });

  it("maps a container summary", () => {
    const c = fromCriContainer({
      id: "c1",
      pod_sandbox_id: "s1",
      metadata: { name: "app", attempt: 1 },
      image: { image: "busybox" },
      image_ref: "sha256:abc",
      state: "CONTAINER_CREATED",
      created_at: "5",
      labels: {},
      annotations: { x: "y" },
    });
    assert.equal(c.state, "created");
    assert.equal(c.podSandboxId, "s1");
    assert.equal(c.image, "busybox");
    assert.equal(c.imageRef, "sha256:abc");
    assert.deepEqual(c.metadata, { name: "app", attempt: 1 });
  });

  it("maps a container status, keeping nanosecond timestamps exact", () => {
    const base = {
      id: "c1",
      metadata: { name: "app", attempt: 0 },
      state: "CONTAINER_EXITED",
      created_at: "1700000000000000001",
      started_at: "1700000000000000002",
      finished_at: "1700000000000000003",
      exit_code: 3,
      image: { image: "busybox" },
      image_ref: "sha256:abc",
      reason: "Error",
      message: "",
      labels: {},
      annotations: {},
      log_path: "/var/log/pods/x/app/0.log",
    };
    const s = fromCriContainerStatus(base, "s1");
    assert.equal(s.state, "exited");
    assert.equal(s.exitCode, 3);
    assert.equal(s.finishedAt, "1700000000000000003");
    assert.equal(s.podSandboxId, "s1");
    assert.equal(s.reason, "Error");
    assert.equal(fromCriContainerStatus({ ...base, state: "CONTAINER_RUNNING" }).state, "running");
    assert.equal(fromCriContainerStatus({ ...base, state: "CONTAINER_UNKNOWN" }).state, "unknown");
    assert.equal(fromCriContainerStatus({ ...base, finished_at: "" }).finishedAt, "0");
  });

  it("maps an image", () => {
    assert.deepEqual(
      fromCriImage({
        id: "sha256:1",
        repo_tags: ["busybox:1.36"],
        repo_digests: [],
        size: "4200000",
        uid: { value: "0" },
        username: "",
      }),
      { id: "sha256:1", repoTags: ["busybox:1.36"], repoDigests: [], size: 4200000, uid: 0 },
    );
    const named = fromCriImage({
      id: "i",
      repo_tags: [],
      repo_digests: [],
      size: "0",
      uid: null,
      username: "nobody",
    });
    assert.equal(named.uid, undefined);
    assert.equal(named.username, "nobody");
  });
});
