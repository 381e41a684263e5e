// Pure translation between nodelet's `Runtime` shapes (camelCase, plain values) and CRI v1
// request/response objects (snake_case, enum names, int64 as decimal strings). No I/O here.
import type {
  ContainerConfig,
  ContainerStats,
  ContainerState,
  ContainerStatus,
  ContainerSummary,
  ImageAuth,
  ImageInfo,
  LinuxResources,
  Mount,
  NamespaceOptions,
  RuntimeCondition,
  RuntimeVersion,
  SandboxConfig,
  SandboxState,
  SandboxStatus,
  SandboxSummary,
} from "../runtime.ts";
import type {
  CriAuthConfig,
  CriContainer,
  CriContainerConfig,
  CriContainerStats,
  CriContainerStatus,
  CriImage,
  CriLinuxContainerResources,
  CriMount,
  CriNamespaceOption,
  CriPodSandbox,
  CriPodSandboxConfig,
  CriPodSandboxStatus,
  CriRuntimeCondition,
  CriVersionResponse,
  NamespaceModeName,
} from "./cri-types.ts";

const namespaceModes: Record<string, NamespaceModeName> = {
  pod: "POD",
  container: "CONTAINER",
  node: "NODE",
};

export function toCriNamespaceOption(options: NamespaceOptions): CriNamespaceOption {
  return {
    network: namespaceModes[options.network] ?? "POD",
    pid: namespaceModes[options.pid] ?? "CONTAINER",
    ipc: namespaceModes[options.ipc] ?? "POD",
  };
}

/** Only the fields that are set; proto3 treats absent and zero alike. */
export function toCriResources(resources: LinuxResources): CriLinuxContainerResources {
  const out: CriLinuxContainerResources = {};
  if (resources.cpuPeriod) out.cpu_period = resources.cpuPeriod;
  if (resources.cpuQuota) out.cpu_quota = resources.cpuQuota;
  if (resources.cpuShares) out.cpu_shares = resources.cpuShares;
  if (resources.memoryLimitInBytes) out.memory_limit_in_bytes = resources.memoryLimitInBytes;
  if (resources.oomScoreAdj) out.oom_score_adj = resources.oomScoreAdj;
  if (resources.cpusetCpus) out.cpuset_cpus = resources.cpusetCpus;
  if (resources.cpusetMems) out.cpuset_mems = resources.cpusetMems;
  return out;
}

export function toCriSandboxConfig(config: SandboxConfig): CriPodSandboxConfig {
  const linux = config.linux;
  const out: CriPodSandboxConfig = {
    metadata: {
      name: config.metadata.name,
      uid: config.metadata.uid,
      namespace: config.metadata.namespace,
      attempt: config.metadata.attempt,
    },
    hostname: config.hostname,
    log_directory: config.logDirectory,
    port_mappings: config.portMappings.map((p) => ({
      protocol: p.protocol,
      container_port: p.containerPort,
      host_port: p.hostPort,
      host_ip: p.hostIp,
    })),
    labels: config.labels,
    annotations: config.annotations,
    linux: {
      cgroup_parent: linux.cgroupParent,
      security_context: {
        namespace_options: toCriNamespaceOption(linux.namespaceOptions),
        privileged: linux.privileged ?? false,
      },
      sysctls: linux.sysctls ?? {},
    },
  };
  if (config.dnsConfig) {
    out.dns_config = {
      servers: config.dnsConfig.servers,
      searches: config.dnsConfig.searches,
      options: config.dnsConfig.options,
    };
  }
  if (linux.resources) out.linux.resources = toCriResources(linux.resources);
  return out;
}

const propagations: Record<NonNullable<Mount["propagation"]>, CriMount["propagation"]> = {
  private: "PROPAGATION_PRIVATE",
  "host-to-container": "PROPAGATION_HOST_TO_CONTAINER",
  bidirectional: "PROPAGATION_BIDIRECTIONAL",
};

export function toCriMount(mount: Mount): CriMount {
  return {
    container_path: mount.containerPath,
    host_path: mount.hostPath,
    readonly: mount.readonly,
    propagation: propagations[mount.propagation ?? "private"],
  };
}

/**
 * The container's namespace options default to the sandbox's: CRI runtimes read PID/IPC/network
 * sharing from the container config, and an absent message would mean "share the pod's PID
 * namespace" (enum value 0), which is not what a pod without shareProcessNamespace wants.
 */
export function toCriContainerConfig(config: ContainerConfig, sandbox: SandboxConfig): CriContainerConfig {
  const sc = config.linux.securityContext;
  const security: CriContainerConfig["linux"]["security_context"] = {
    privileged: sc?.privileged ?? false,
    namespace_options: toCriNamespaceOption(sc?.namespaceOptions ?? sandbox.linux.namespaceOptions),
    readonly_rootfs: sc?.readonlyRootfs ?? false,
    supplemental_groups: sc?.supplementalGroups ?? [],
  };
  if (sc?.capabilities) {
    security.capabilities = {
      add_capabilities: sc.capabilities.add,
      drop_capabilities: sc.capabilities.drop,
    };
  }
  if (sc?.runAsUser !== undefined) security.run_as_user = { value: sc.runAsUser };
  if (sc?.runAsGroup !== undefined) security.run_as_group = { value: sc.runAsGroup };
  return {
    metadata: { name: config.metadata.name, attempt: config.metadata.attempt },
    image: { image: config.image },
    command: config.command,
    args: config.args,
    working_dir: config.workingDir,
    envs: config.envs.map((e) => ({ key: e.key, value: Buffer.from(e.value) })),
    mounts: config.mounts.map(toCriMount),
    labels: config.labels,
    annotations: config.annotations,
    log_path: config.logPath,
    stdin: config.stdin ?? false,
    stdin_once: config.stdinOnce ?? false,
    tty: config.tty ?? false,
    linux: { resources: toCriResources(config.linux.resources), security_context: security },
  };
}

export function toCriAuth(auth: ImageAuth): CriAuthConfig {
  return {
    username: auth.username ?? "",
    password: auth.password ?? "",
    auth: auth.auth ?? "",
    server_address: auth.serverAddress ?? "",
    identity_token: auth.identityToken ?? "",
    registry_token: auth.registryToken ?? "",
  };
}

export function fromCriSandboxState(state: string): SandboxState {
  return state === "SANDBOX_READY" ? "ready" : "notready";
}

const containerStates: Record<string, ContainerState> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
};

export function fromCriContainerState(state: string): ContainerState {
  return containerStates[state] ?? "unknown";
}

export function fromCriSandbox(s: CriPodSandbox): SandboxSummary {
  return {
    id: s.id,
    metadata: {
      name: s.metadata?.name ?? "",
      uid: s.metadata?.uid ?? "",
      namespace: s.metadata?.namespace ?? "",
      attempt: s.metadata?.attempt ?? 0,
    },
    state: fromCriSandboxState(s.state),
    createdAt: s.created_at || "0",
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
}

export function fromCriSandboxStatus(s: CriPodSandboxStatus): SandboxStatus {
  return {
    ...fromCriSandbox(s),
    ip: s.network?.ip ?? "",
    additionalIps: (s.network?.additional_ips ?? []).map((a) => a.ip),
    network: s.linux?.namespaces?.options?.network === "NODE" ? "node" : "pod",
  };
}

export function fromCriContainer(c: CriContainer): ContainerSummary {
  return {
    id: c.id,
    podSandboxId: c.pod_sandbox_id,
    metadata: { name: c.metadata?.name ?? "", attempt: c.metadata?.attempt ?? 0 },
    image: c.image?.image ?? "",
    imageRef: c.image_ref,
    state: fromCriContainerState(c.state),
    createdAt: c.created_at || "0",
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
  };
}

/** ContainerStatus does not carry the sandbox id; the caller passes it when it knows it. */
export function fromCriContainerStatus(c: CriContainerStatus, podSandboxId = ""): ContainerStatus {
  return {
    id: c.id,
    podSandboxId,
    metadata: { name: c.metadata?.name ?? "", attempt: c.metadata?.attempt ?? 0 },
    image: c.image?.image ?? "",
    imageRef: c.image_ref,
    state: fromCriContainerState(c.state),
    createdAt: c.created_at || "0",
    startedAt: c.started_at || "0",
    finishedAt: c.finished_at || "0",
    exitCode: c.exit_code,
    reason: c.reason,
    message: c.message,
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    logPath: c.log_path,
  };
}

export function fromCriImage(i: CriImage): ImageInfo {
  const out: ImageInfo = {
    id: i.id,
    repoTags: i.repo_tags ?? [],
    repoDigests: i.repo_digests ?? [],
    size: Number(i.size || 0),
  };
  if (i.uid) out.uid = Number(i.uid.value);
  if (i.username) out.username = i.username;
  return out;
}

export function fromCriRuntimeCondition(c: CriRuntimeCondition): RuntimeCondition {
  return { type: c.type, status: c.status, reason: c.reason, message: c.message };
}

export function fromCriVersion(v: CriVersionResponse): RuntimeVersion {
  return {
    runtimeName: v.runtime_name,
    runtimeVersion: v.runtime_version,
    runtimeApiVersion: v.runtime_api_version,
  };
}

/** A figure the runtime did not fill (no UInt64Value, or a zero timestamp) is left out. */
export function fromCriContainerStats(s: CriContainerStats): ContainerStats {
  const out: ContainerStats = {
    id: s.attributes?.id ?? "",
    name: s.attributes?.metadata?.name ?? "",
    labels: s.attributes?.labels ?? {},
  };
  const cpu = s.cpu?.usage_core_nano_seconds;
  if (s.cpu && cpu && s.cpu.timestamp !== "0")
    out.cpu = { timestamp: String(s.cpu.timestamp), usageCoreNanoSeconds: String(cpu.value) };
  const memory = s.memory?.working_set_bytes;
  if (s.memory && memory && s.memory.timestamp !== "0")
    out.memory = { timestamp: String(s.memory.timestamp), workingSetBytes: String(memory.value) };
  return out;
}
