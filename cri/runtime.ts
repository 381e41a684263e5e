// The runtime boundary. Everything above `cri/` talks to containers only through `Runtime`;
// `cri/grpc` implements it over CRI v1 (containerd, CRI-O), `cri/docker` over the Docker API.
// Shapes follow CRI v1 semantics with camelCase names and plain numbers/strings.

export interface KeyValue {
  key: string;
  value: string;
}

export type SandboxState = "ready" | "notready";
export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface SandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  containerPort: number;
  hostPort: number;
  hostIp: string;
}

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Linux resources as CRI LinuxContainerResources; 0 / undefined means "not set". */
export interface LinuxResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
}

export interface NamespaceOptions {
  /** "pod" (default), "node" (host), or "container" (PID only). */
  network: "pod" | "node";
  pid: "pod" | "node" | "container";
  ipc: "pod" | "node";
}

export interface SandboxConfig {
  metadata: SandboxMetadata;
  hostname: string;
  logDirectory: string;
  dnsConfig?: DnsConfig;
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroupParent: string;
    namespaceOptions: NamespaceOptions;
    sysctls?: Record<string, string>;
    /** Pod-level overhead/resources hint, optional for runtimes that use it. */
    resources?: LinuxResources;
    /** Must be true when any container of the pod is privileged (containerd rejects it otherwise). */
    privileged?: boolean;
  };
  runtimeHandler?: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation?: "private" | "host-to-container" | "bidirectional";
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: string;
  command: string[];
  args: string[];
  workingDir: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux: {
    resources: LinuxResources;
    securityContext?: {
      privileged?: boolean;
      runAsUser?: number;
      runAsGroup?: number;
      readonlyRootfs?: boolean;
      namespaceOptions?: NamespaceOptions;
      supplementalGroups?: number[];
      capabilities?: { add: string[]; drop: string[] };
    };
  };
}

export interface SandboxSummary {
  id: string;
  metadata: SandboxMetadata;
  state: SandboxState;
  /** Unix nanoseconds as a decimal string (int64 does not fit a double). */
  createdAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface SandboxStatus extends SandboxSummary {
  ip: string;
  additionalIps: string[];
  /** Network namespace mode the sandbox was created with. */
  network: "pod" | "node";
}

export interface ContainerSummary {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus extends ContainerSummary {
  /** Unix nanoseconds as decimal strings; "0" when not reached. */
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  reason: string;
  message: string;
  logPath: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  /** Image config user, if any. */
  uid?: number;
  username?: string;
}

export interface ImageAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Which streams an exec or attach session carries (CRI ExecRequest / AttachRequest). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A container's usage as CRI ContainerStats reports it; figures absent when the runtime has none. */
export interface ContainerStats {
  id: string;
  name: string;
  labels: Record<string, string>;
  cpu?: {
    /** Unix nanoseconds as a decimal string. */
    timestamp: string;
    /** Cumulative CPU time in nanoseconds, decimal string. */
    usageCoreNanoSeconds: string;
  };
  memory?: {
    timestamp: string;
    workingSetBytes: string;
  };
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** A runtime call failed; `code` distinguishes what callers react to. */
export class RuntimeError extends Error {
  readonly code: "NotFound" | "AlreadyExists" | "DeadlineExceeded" | "Unavailable" | "Unknown";
  constructor(code: RuntimeError["code"], message: string) {
    super(message);
    this.name = "RuntimeError";
    this.code = code;
  }
}

export interface Runtime {
  /** "containerd", "cri-o", "docker": the scheme of containerID in pod status. */
  readonly type: string;
  version(): Promise<RuntimeVersion>;
  status(): Promise<RuntimeCondition[]>;

  runPodSandbox(config: SandboxConfig): Promise<string>;
  /** Idempotent: an unknown id is not an error. */
  stopPodSandbox(id: string): Promise<void>;
  /** Idempotent: an unknown id is not an error. */
  removePodSandbox(id: string): Promise<void>;
  /** Undefined when the sandbox does not exist. */
  podSandboxStatus(id: string): Promise<SandboxStatus | undefined>;
  listPodSandboxes(): Promise<SandboxSummary[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, waits up to timeoutSeconds, then kills. Idempotent. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Idempotent. */
  removeContainer(id: string): Promise<void>;
  listContainers(): Promise<ContainerSummary[]>;
  /** Undefined when the container does not exist. */
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  updateContainerResources(id: string, resources: LinuxResources): Promise<void>;
  /** timeoutSeconds 0 = no timeout. A timeout rejects with RuntimeError("DeadlineExceeded"). */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  /** The URL of the runtime's streaming server that serves this exec session (SPDY or WebSocket). */
  exec(id: string, cmd: string[], streams: StreamOptions): Promise<string>;
  /** The URL of the runtime's streaming server that attaches to the container's own streams. */
  attach(id: string, streams: StreamOptions): Promise<string>;
  /** The URL of the runtime's streaming server that forwards to ports in the sandbox's network. */
  portForward(sandboxId: string, ports: number[]): Promise<string>;

  /** Usage of every container the runtime knows (CRI ListContainerStats). */
  listContainerStats(): Promise<ContainerStats[]>;

  /** Undefined when the image is not present. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** Returns the image reference (id or digest) that was pulled. */
  pullImage(image: string, auth?: ImageAuth, sandbox?: SandboxConfig): Promise<string>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(image: string): Promise<void>;

  close(): void;
}
