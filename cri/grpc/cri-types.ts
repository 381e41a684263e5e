// Hand-written shapes of the CRI v1 messages nodelet sends and reads, as @grpc/proto-loader
// produces them with {keepCase, longs: String, enums: String, defaults: true}: snake_case
// names, int64 as decimal strings (numbers are accepted when sending), enums as their names.
// Only the fields nodelet uses are listed; the proto has many more.

export type Int64 = string;
export type NamespaceModeName = "POD" | "CONTAINER" | "NODE" | "TARGET";

export interface CriNamespaceOption {
  network: NamespaceModeName;
  pid: NamespaceModeName;
  ipc: NamespaceModeName;
}

export interface CriPodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface CriLinuxContainerResources {
  cpu_period?: number | Int64;
  cpu_quota?: number | Int64;
  cpu_shares?: number | Int64;
  memory_limit_in_bytes?: number | Int64;
  oom_score_adj?: number | Int64;
  cpuset_cpus?: string;
  cpuset_mems?: string;
}

export interface CriPodSandboxConfig {
  metadata: CriPodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: { servers: string[]; searches: string[]; options: string[] };
  port_mappings: { protocol: string; container_port: number; host_port: number; host_ip: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroup_parent: string;
    security_context: { namespace_options: CriNamespaceOption; privileged?: boolean };
    sysctls: Record<string, string>;
    resources?: CriLinuxContainerResources;
  };
}

export interface CriMount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  propagation: "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface CriContainerSecurityContext {
  capabilities?: { add_capabilities: string[]; drop_capabilities: string[] };
  privileged: boolean;
  namespace_options: CriNamespaceOption;
  run_as_user?: { value: number | Int64 };
  run_as_group?: { value: number | Int64 };
  readonly_rootfs: boolean;
  supplemental_groups: number[];
}

export interface CriContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  working_dir: string;
  /** `value` is `bytes` in recent cri-api and `string` in older ones; a Buffer encodes as both. */
  envs: { key: string; value: Buffer }[];
  mounts: CriMount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: { resources: CriLinuxContainerResources; security_context: CriContainerSecurityContext };
}

export interface CriImageSpec {
  image: string;
}

export interface CriPodSandbox {
  id: string;
  metadata: CriPodSandboxMetadata | null;
  state: string;
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriPodSandboxStatus extends CriPodSandbox {
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: CriNamespaceOption | null } | null } | null;
}

export interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number } | null;
  image: CriImageSpec | null;
  image_ref: string;
  state: string;
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: string;
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  exit_code: number;
  image: CriImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64;
  uid: { value: Int64 } | null;
  username: string;
}

export interface CriAuthConfig {
  username: string;
  password: string;
  auth: string;
  server_address: string;
  identity_token: string;
  registry_token: string;
}

export interface CriRuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface CriVersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface CriExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

export interface CriUInt64Value {
  value: Int64;
}

export interface CriContainerStats {
  attributes?: {
    id: string;
    metadata?: { name: string; attempt: number };
    labels?: Record<string, string>;
  };
  cpu?: { timestamp: Int64; usage_core_nano_seconds?: CriUInt64Value | null } | null;
  memory?: { timestamp: Int64; working_set_bytes?: CriUInt64Value | null } | null;
}
