// `Runtime` over CRI v1 gRPC (containerd, CRI-O). One channel for RuntimeService and ImageService;
// every call carries a deadline; NOT_FOUND is translated per the Runtime contract (idempotent
// stop/remove, `undefined` from status calls).
import type { Logger } from "../../agent/log.ts";
import type {
  ContainerConfig,
  ContainerStats,
  ContainerStatus,
  ContainerSummary,
  ExecResult,
  ImageAuth,
  ImageInfo,
  LinuxResources,
  Runtime,
  RuntimeCondition,
  RuntimeVersion,
  SandboxConfig,
  SandboxStatus,
  SandboxSummary,
  StreamOptions,
} from "../runtime.ts";
import { RuntimeError } from "../runtime.ts";
import { type CriClients, callUnary, type LoadCriClientsOptions, loadCriClients } from "./clients.ts";
import type {
  CriContainer,
  CriContainerStats,
  CriContainerStatus,
  CriExecSyncResponse,
  CriImage,
  CriPodSandbox,
  CriPodSandboxStatus,
  CriRuntimeCondition,
  CriVersionResponse,
} from "./cri-types.ts";
import { isNotFound } from "./errors.ts";
import {
  fromCriContainer,
  fromCriContainerStats,
  fromCriContainerStatus,
  fromCriImage,
  fromCriRuntimeCondition,
  fromCriSandbox,
  fromCriSandboxStatus,
  fromCriVersion,
  toCriAuth,
  toCriContainerConfig,
  toCriResources,
  toCriSandboxConfig,
} from "./mapping.ts";

/** Deadlines in milliseconds; 0 = none. */
export interface CallTimeouts {
  default: number;
  runPodSandbox: number;
  pullImage: number;
  /** Added to StopContainer's grace period. */
  stopContainerMargin: number;
  /** Added to ExecSync's own timeout (the runtime enforces that one and answers DEADLINE_EXCEEDED). */
  execSyncMargin: number;
  /** ListContainerStats answers a metrics scrape, whose scraper gives up long before `default`. */
  stats: number;
}

export const defaultCallTimeouts: CallTimeouts = {
  default: 2 * 60_000,
  runPodSandbox: 4 * 60_000,
  pullImage: 30 * 60_000,
  stopContainerMargin: 30_000,
  execSyncMargin: 30_000,
  stats: 10_000,
};

export interface GrpcRuntimeOptions extends LoadCriClientsOptions {
  timeouts?: Partial<CallTimeouts>;
}

export class GrpcRuntime implements Runtime {
  /** Connects and verifies the runtime answers Version; rejects (Unavailable, …) otherwise. */
  static async connect(
    endpoint: string,
    logger: Logger,
    options: GrpcRuntimeOptions = {},
  ): Promise<GrpcRuntime> {
    const runtime = new GrpcRuntime(endpoint, logger, options);
    try {
      await runtime.connect();
    } catch (err) {
      runtime.close();
      throw err;
    }
    return runtime;
  }

  readonly endpoint: string;
  private readonly logger: Logger;
  private readonly options: GrpcRuntimeOptions;
  private readonly timeouts: CallTimeouts;
  private clients: CriClients | undefined;
  private runtimeType = "";
  /** ContainerStatus has no sandbox id; remembered from create/list, else looked up once. */
  private readonly sandboxOfContainer = new Map<string, string>();

  constructor(endpoint: string, logger: Logger, options: GrpcRuntimeOptions = {}) {
    this.endpoint = endpoint;
    this.logger = logger;
    this.options = options;
    this.timeouts = { ...defaultCallTimeouts, ...options.timeouts };
  }

  /** "containerd", "cri-o": the lowercased runtime name reported by Version (set by connect()). */
  get type(): string {
    return this.runtimeType;
  }

  async connect(): Promise<RuntimeVersion> {
    this.clients ??= await loadCriClients(this.endpoint, this.options);
    const version = await this.version();
    this.runtimeType = version.runtimeName.toLowerCase();
    this.logger.info({ endpoint: this.endpoint, ...version }, "connected to CRI runtime");
    return version;
  }

  close(): void {
    this.clients?.close();
    this.clients = undefined;
  }

  private get rt(): CriClients["runtime"] {
    if (!this.clients) throw new RuntimeError("Unavailable", "CRI client is not connected (call connect())");
    return this.clients.runtime;
  }

  private get img(): CriClients["image"] {
    if (!this.clients) throw new RuntimeError("Unavailable", "CRI client is not connected (call connect())");
    return this.clients.image;
  }

  async version(): Promise<RuntimeVersion> {
    const res = await callUnary<CriVersionResponse>(
      this.rt,
      "Version",
      { version: "v1" },
      this.timeouts.default,
    );
    return fromCriVersion(res);
  }

  async status(): Promise<RuntimeCondition[]> {
    const res = await callUnary<{ status: { conditions: CriRuntimeCondition[] } | null }>(
      this.rt,
      "Status",
      {},
      this.timeouts.default,
    );
    return (res.status?.conditions ?? []).map(fromCriRuntimeCondition);
  }

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    const res = await callUnary<{ pod_sandbox_id: string }>(
      this.rt,
      "RunPodSandbox",
      { config: toCriSandboxConfig(config), runtime_handler: config.runtimeHandler ?? "" },
      this.timeouts.runPodSandbox,
    );
    return res.pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    // containerd 1.6 answers NOT_FOUND for an unknown sandbox although CRI says this is idempotent.
    await this.ignoreNotFound(
      callUnary(this.rt, "StopPodSandbox", { pod_sandbox_id: id }, this.timeouts.default),
    );
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.ignoreNotFound(
      callUnary(this.rt, "RemovePodSandbox", { pod_sandbox_id: id }, this.timeouts.default),
    );
    for (const [container, sandbox] of this.sandboxOfContainer) {
      if (sandbox === id) this.sandboxOfContainer.delete(container);
    }
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const res = await this.undefinedIfNotFound(
      callUnary<{ status: CriPodSandboxStatus | null }>(
        this.rt,
        "PodSandboxStatus",
        { pod_sandbox_id: id },
        this.timeouts.default,
      ),
    );
    return res?.status ? fromCriSandboxStatus(res.status) : undefined;
  }

  async listPodSandboxes(): Promise<SandboxSummary[]> {
    const res = await callUnary<{ items: CriPodSandbox[] }>(
      this.rt,
      "ListPodSandbox",
      {},
      this.timeouts.default,
    );
    return res.items.map(fromCriSandbox);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    const res = await callUnary<{ container_id: string }>(
      this.rt,
      "CreateContainer",
      {
        pod_sandbox_id: sandboxId,
        config: toCriContainerConfig(config, sandbox),
        sandbox_config: toCriSandboxConfig(sandbox),
      },
      this.timeouts.default,
    );
    this.sandboxOfContainer.set(res.container_id, sandboxId);
    return res.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await callUnary(this.rt, "StartContainer", { container_id: id }, this.timeouts.default);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const seconds = Math.max(0, Math.ceil(timeoutSeconds));
    await this.ignoreNotFound(
      callUnary(
        this.rt,
        "StopContainer",
        { container_id: id, timeout: seconds },
        seconds * 1000 + this.timeouts.stopContainerMargin,
      ),
    );
  }

  async removeContainer(id: string): Promise<void> {
    await this.ignoreNotFound(
      callUnary(this.rt, "RemoveContainer", { container_id: id }, this.timeouts.default),
    );
    this.sandboxOfContainer.delete(id);
  }

  async listContainers(): Promise<ContainerSummary[]> {
    const res = await callUnary<{ containers: CriContainer[] }>(
      this.rt,
      "ListContainers",
      {},
      this.timeouts.default,
    );
    const summaries = res.containers.map(fromCriContainer);
    // A full list is the truth: rebuild the id → sandbox memo from it (drops removed containers).
    this.sandboxOfContainer.clear();
    for (const c of summaries) this.sandboxOfContainer.set(c.id, c.podSandboxId);
    return summaries;
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const res = await this.undefinedIfNotFound(
      callUnary<{ status: CriContainerStatus | null }>(
        this.rt,
        "ContainerStatus",
        { container_id: id },
        this.timeouts.default,
      ),
    );
    if (!res?.status) return undefined;
    return fromCriContainerStatus(res.status, await this.sandboxIdOf(id));
  }

  private async sandboxIdOf(containerId: string): Promise<string> {
    const known = this.sandboxOfContainer.get(containerId);
    if (known !== undefined) return known;
    const res = await callUnary<{ containers: CriContainer[] }>(
      this.rt,
      "ListContainers",
      { filter: { id: containerId } },
      this.timeouts.default,
    );
    const sandboxId = res.containers[0]?.pod_sandbox_id ?? "";
    if (sandboxId) this.sandboxOfContainer.set(containerId, sandboxId);
    return sandboxId;
  }

  async updateContainerResources(id: string, resources: LinuxResources): Promise<void> {
    await callUnary(
      this.rt,
      "UpdateContainerResources",
      { container_id: id, linux: toCriResources(resources) },
      this.timeouts.default,
    );
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const seconds = Math.max(0, Math.ceil(timeoutSeconds));
    const res = await callUnary<CriExecSyncResponse>(
      this.rt,
      "ExecSync",
      { container_id: id, cmd, timeout: seconds },
      seconds > 0 ? seconds * 1000 + this.timeouts.execSyncMargin : 0,
    );
    return { exitCode: res.exit_code, stdout: res.stdout, stderr: res.stderr };
  }

  async exec(id: string, cmd: string[], streams: StreamOptions): Promise<string> {
    const res = await callUnary<{ url: string }>(
      this.rt,
      "Exec",
      { container_id: id, cmd, ...streams },
      this.timeouts.default,
    );
    return res.url;
  }

  async attach(id: string, streams: StreamOptions): Promise<string> {
    const res = await callUnary<{ url: string }>(
      this.rt,
      "Attach",
      { container_id: id, ...streams },
      this.timeouts.default,
    );
    return res.url;
  }

  async portForward(sandboxId: string, ports: number[]): Promise<string> {
    const res = await callUnary<{ url: string }>(
      this.rt,
      "PortForward",
      { pod_sandbox_id: sandboxId, port: ports },
      this.timeouts.default,
    );
    return res.url;
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    const res = await callUnary<{ stats: CriContainerStats[] }>(
      this.rt,
      "ListContainerStats",
      { filter: {} },
      this.timeouts.stats,
    );
    return res.stats.map(fromCriContainerStats);
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const res = await this.undefinedIfNotFound(
      callUnary<{ image: CriImage | null }>(
        this.img,
        "ImageStatus",
        { image: { image } },
        this.timeouts.default,
      ),
    );
    // CRI answers a missing image with an empty response, not an error.
    return res?.image?.id ? fromCriImage(res.image) : undefined;
  }

  async pullImage(image: string, auth?: ImageAuth, sandbox?: SandboxConfig): Promise<string> {
    const request: Record<string, unknown> = { image: { image } };
    if (auth) request.auth = toCriAuth(auth);
    if (sandbox) request.sandbox_config = toCriSandboxConfig(sandbox);
    const res = await callUnary<{ image_ref: string }>(
      this.img,
      "PullImage",
      request,
      this.timeouts.pullImage,
    );
    return res.image_ref;
  }

  async listImages(): Promise<ImageInfo[]> {
    const res = await callUnary<{ images: CriImage[] }>(this.img, "ListImages", {}, this.timeouts.default);
    return res.images.map(fromCriImage);
  }

  async removeImage(image: string): Promise<void> {
    await this.ignoreNotFound(
      callUnary(this.img, "RemoveImage", { image: { image } }, this.timeouts.default),
    );
  }

  private async ignoreNotFound(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async undefinedIfNotFound<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
