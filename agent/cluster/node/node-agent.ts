// The node's presence in the cluster: registers the Node, computes its status every
// nodeStatusUpdateFrequency and writes it when it changed or every nodeStatusReportFrequency, and
// keeps the heartbeat Lease renewed. Failures are logged and retried; nothing here throws into the
// daemon after start() has resolved.
import type { Node, NodeCondition, NodeStatus, NodeSystemInfo, ResourceList, Taint } from "../../api/node.ts";
import type { EventRecorder } from "../../events/recorder.ts";
import { messages } from "../../events/messages.ts";
import type { Logger } from "../../log.ts";
import { type ApiClient, isApiError, withQuery } from "../api-client.ts";
import {
  apiTime,
  conditionEvents,
  type NodeHealth,
  nodeConditions,
  observedPressure,
  type PressureSeen,
  reportedPressure,
} from "./conditions.ts";
import { type HostInfo, readHostInfo, readMachineCapacity, readSignals } from "./host-facts.ts";
import { defaultNodeLabels, goArch, validateNodeLabels } from "./labels.ts";
import { NodeLease } from "./lease.ts";
import { jittered, pause, RetryDelay } from "./pause.ts";
import { type DesiredNode, nodePath, registerNode } from "./registration.ts";
import {
  allocatableList,
  DEFAULT_EVICTION_HARD,
  type EvictionHard,
  type NodeAllocatable,
  nodeAllocatable,
  type Reserved,
} from "./resources.ts";
import {
  nodeImages,
  nodeStatus,
  type RuntimeImage,
  runtimeVersionString,
  shouldWriteStatus,
  statusChanged,
  statusPatch,
} from "./status.ts";
import { parseTaints } from "./taints.ts";

/** The Kubernetes version nodelet follows, with nodelet as SemVer build metadata (ignored in comparisons). */
export const KUBELET_VERSION = "v1.36.3+nodelet";

export const DEFAULT_STATUS_UPDATE_FREQUENCY_MS = 10_000;
export const DEFAULT_STATUS_REPORT_FREQUENCY_MS = 300_000;
export const DEFAULT_MAX_PODS = 110;
export const DEFAULT_KUBELET_PORT = 10250;
/** Upstream registerWithAPIServer: 100 ms doubling to 7 s, forever. */
const REGISTER_RETRY = { initialMs: 100, maxMs: 7_000 };
const STATUS_RETRY_INITIAL_MS = 500;
/** Until the node was first reported Ready, health is polled this often (upstream fastStatusUpdateOnce). */
const FAST_STATUS_POLL_MS = 100;

export interface NodeAgentOptions {
  client: ApiClient;
  nodeName: string;
  /** Reported as InternalIP. */
  nodeIP: string;
  /** kubernetes.io/hostname and the Hostname address; default nodeName. */
  hostname?: string;
  /** kubelet --register-node (default true); false: the Node must exist and is only updated. */
  register?: boolean;
  /** --node-labels (validated against the NodeRestriction rule in the constructor). */
  labels?: Record<string, string>;
  /** --register-with-taints: "key=value:Effect" specs (parsed in the constructor). */
  taints?: readonly string[] | string;
  maxPods?: number;
  /** kubeReserved + systemReserved. */
  reserved?: Reserved;
  evictionHard?: EvictionHard;
  /** The kubelet root dir: its filesystem is nodefs (ephemeral-storage, DiskPressure). */
  rootDir: string;
  kubeletPort?: number;
  /** CRI Version (runtime.version()). */
  runtimeVersion: () => Promise<{ runtimeName: string; runtimeVersion: string }>;
  /** CRI image list (runtime.listImages()). */
  images: () => Promise<readonly RuntimeImage[]>;
  /** ok → Ready True; otherwise Ready False "KubeletNotReady" with `reason` as the message (Kubelet.health()). */
  health: () => NodeHealth | Promise<NodeHealth>;
  log: Logger;
  /** Node events (NodeReady, NodeHasSufficientMemory, ...) when a condition appears or flips. */
  events?: Pick<EventRecorder, "nodeEvent">;
  statusUpdateFrequencyMs?: number;
  statusReportFrequencyMs?: number;
  leaseDurationSeconds?: number;
  /** Default leaseDuration/4. */
  leaseRenewIntervalMs?: number;
  kubeletVersion?: string;
  /** Empty leaves it out (upstream stopped reporting it; nodelet runs its proxy in-process). */
  kubeProxyVersion?: string;
}

type PressureType = "MemoryPressure" | "DiskPressure" | "PIDPressure";
const PRESSURE_TYPES: readonly PressureType[] = ["MemoryPressure", "DiskPressure", "PIDPressure"];

export interface AdmissionView {
  name: string;
  labels: Record<string, string>;
  allocatable: ResourceList;
  taints: Taint[];
  /** Pressure conditions that are True. */
  pressure: PressureType[];
}

export class NodeAgent {
  readonly #o: NodeAgentOptions;
  readonly #desired: DesiredNode;
  readonly #hard: EvictionHard;
  readonly #reserved: Reserved;
  readonly #maxPods: number;
  readonly #abort = new AbortController();
  readonly #lease: NodeLease;
  #host: HostInfo | undefined;
  #runtimeVersion = "";
  #images: NodeStatus["images"] = [];
  #pressureSeen: PressureSeen = {};
  #conditions: NodeCondition[] | undefined;
  #allocatable: NodeAllocatable | undefined;
  #node: Node | undefined;
  #written: NodeStatus | undefined;
  #lastWriteMs: number | undefined;
  #statusLoop: Promise<void> | undefined;
  #started = false;
  /** A status with Ready=True has been written once. */
  #reportedReady = false;

  /** Throws NodeLabelError / TaintError for bad --node-labels / --register-with-taints. */
  constructor(options: NodeAgentOptions) {
    this.#o = options;
    const labels = options.labels ?? {};
    validateNodeLabels(labels);
    const taints: Taint[] = parseTaints(options.taints ?? []);
    this.#desired = {
      name: options.nodeName,
      labels: { ...defaultNodeLabels(options.hostname ?? options.nodeName), ...labels },
      taints,
      register: options.register ?? true,
    };
    this.#hard = options.evictionHard ?? DEFAULT_EVICTION_HARD;
    this.#reserved = options.reserved ?? { milliCPU: 0, memoryBytes: 0, ephemeralStorageBytes: 0 };
    this.#maxPods = options.maxPods ?? DEFAULT_MAX_PODS;
    this.#lease = new NodeLease({
      client: options.client,
      nodeName: options.nodeName,
      ...(options.leaseDurationSeconds !== undefined
        ? { leaseDurationSeconds: options.leaseDurationSeconds }
        : {}),
      ...(options.leaseRenewIntervalMs !== undefined
        ? { renewIntervalMs: options.leaseRenewIntervalMs }
        : {}),
      owner: () => {
        const m = this.#node?.metadata;
        return m?.uid ? { name: options.nodeName, uid: m.uid } : undefined;
      },
      log: options.log,
    });
  }

  /**
   * Registers (or adopts) the Node, writes its first status, starts the status loop and the
   * Lease. Resolves once the Node is registered; retries API failures until then. Rejects only
   * when stop() comes first.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("NodeAgent already started");
    this.#started = true;
    const signal = this.#abort.signal;
    this.#host = await readHostInfo();
    const retry = new RetryDelay(REGISTER_RETRY.initialMs, REGISTER_RETRY.maxMs);
    for (;;) {
      if (signal.aborted) throw new Error(`stopped before Node ${this.#o.nodeName} was registered`);
      try {
        const status = await this.#computeStatus();
        const { node, created } = await registerNode(
          this.#o.client,
          this.#desired,
          status,
          this.#o.log,
          signal,
        );
        this.#node = node;
        if (created) this.#recordWrite(status);
        else this.#conditions = node.status?.conditions;
        break;
      } catch (err) {
        if (signal.aborted) continue;
        const delay = retry.next();
        this.#o.log.warn({ err: (err as Error).message, retryInMs: delay }, "unable to register the Node");
        await pause(delay, signal);
      }
    }
    if (!this.#written) {
      try {
        await this.syncStatus();
      } catch (err) {
        this.#o.log.warn({ err: (err as Error).message }, "failed to write the Node status (will retry)");
      }
    }
    this.#lease.start();
    this.#statusLoop = this.#runStatusLoop();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all([this.#lease.stop(), this.#statusLoop]);
  }

  /** What pods may use, for admission. Known once start() has resolved. */
  allocatable(): NodeAllocatable {
    if (!this.#allocatable) throw new Error("NodeAgent.allocatable() before start()");
    return this.#allocatable;
  }

  /**
   * The Node as pod admission sees it (the shape of admission.ts's AdmissionNode): labels and taints
   * as last returned by the API server, allocatable and pressure as last computed. undefined until
   * the first status has been computed (pods from the API can arrive before that).
   */
  admissionView(): AdmissionView | undefined {
    const allocatable = this.#allocatable;
    if (!allocatable) return undefined;
    const pressure = (this.#conditions ?? [])
      .filter((c) => c.status === "True" && PRESSURE_TYPES.includes(c.type as PressureType))
      .map((c) => c.type as PressureType);
    return {
      name: this.#o.nodeName,
      labels: { ...(this.#node?.metadata.labels ?? this.#desired.labels) },
      allocatable: allocatableList(allocatable),
      taints: this.#node?.spec?.taints ?? this.#desired.taints,
      pressure,
    };
  }

  /** The Node as the API server last returned it (create, adopt or status write). */
  node(): Node | undefined {
    return this.#node;
  }

  /** The last status successfully written. */
  writtenStatus(): NodeStatus | undefined {
    return this.#written;
  }

  get lease(): NodeLease {
    return this.#lease;
  }

  async #runStatusLoop(): Promise<void> {
    const signal = this.#abort.signal;
    const period = this.#o.statusUpdateFrequencyMs ?? DEFAULT_STATUS_UPDATE_FREQUENCY_MS;
    const retry = new RetryDelay(STATUS_RETRY_INITIAL_MS, period);
    // start() has just synced once
    let delay = jittered(period);
    let failed = false;
    for (;;) {
      // After a failed write the back-off holds, even before the first Ready.
      if (failed) await pause(delay, signal);
      else await this.#untilStatusDue(delay, signal);
      if (signal.aborted) return;
      try {
        await this.syncStatus();
        retry.reset();
        failed = false;
        delay = jittered(period);
      } catch (err) {
        if (signal.aborted) return;
        failed = true;
        delay = retry.next();
        this.#o.log.warn(
          { err: (err as Error).message, retryInMs: delay },
          "failed to write the Node status",
        );
      }
    }
  }

  /**
   * Waits `delayMs` — or less while the node has never been reported Ready: then the status is
   * written as soon as the health turns ok, so a starting node does not wait a whole period to
   * become Ready (upstream's fastStatusUpdateOnce).
   */
  async #untilStatusDue(delayMs: number, signal: AbortSignal): Promise<void> {
    const end = Date.now() + delayMs;
    while (!this.#reportedReady && !signal.aborted && Date.now() < end) {
      await pause(Math.min(FAST_STATUS_POLL_MS, end - Date.now()), signal);
      if ((await this.#health()).ok) return;
    }
    await pause(Math.max(0, end - Date.now()), signal);
  }

  /** Computes the status and writes it if due. Throws when the write fails. */
  async syncStatus(): Promise<void> {
    const now = Date.now();
    const status = await this.#computeStatus(now);
    const signal = this.#abort.signal;
    // like upstream, look at the Node every time (from the API server's cache): one deleted or
    // replaced behind our back is registered / adopted again (a new uid; the Lease follows it)
    const current = await this.#o.client
      .request<Node>("GET", withQuery(nodePath(this.#o.nodeName), { resourceVersion: "0" }), { signal })
      .catch((err: unknown) => {
        if (isApiError(err) && err.notFound) return undefined;
        throw err;
      });
    if (!current || current.metadata.uid !== this.#node?.metadata.uid) {
      this.#o.log.warn(
        { node: this.#o.nodeName, was: this.#node?.metadata.uid, now: current?.metadata.uid ?? null },
        "the Node was deleted or replaced; registering it again",
      );
      this.#written = undefined;
      const { node, created } = await registerNode(
        this.#o.client,
        this.#desired,
        status,
        this.#o.log,
        signal,
      );
      this.#node = node;
      if (created) {
        this.#recordWrite(status, now);
        return;
      }
    }
    const due = shouldWriteStatus({
      changed: statusChanged(this.#written, status),
      lastWriteMs: this.#lastWriteMs,
      nowMs: now,
      reportFrequencyMs: this.#o.statusReportFrequencyMs ?? DEFAULT_STATUS_REPORT_FREQUENCY_MS,
    });
    if (!due) return;
    this.#node = await this.#o.client.request<Node>("PATCH", `${nodePath(this.#o.nodeName)}/status`, {
      body: statusPatch(this.#written, status),
      contentType: "application/strategic-merge-patch+json",
      signal,
    });
    this.#recordWrite(status, now);
  }

  #recordWrite(status: NodeStatus, now: number = Date.now()): void {
    this.#written = status;
    if (status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) this.#reportedReady = true;
    this.#lastWriteMs = now;
  }

  async #computeStatus(nowMs: number = Date.now()): Promise<NodeStatus> {
    const rootDir = this.#o.rootDir;
    const [capacity, signals, health] = await Promise.all([
      readMachineCapacity(rootDir),
      readSignals(rootDir),
      this.#health(),
      this.#refreshRuntimeFacts(),
    ]);
    const allocatable = nodeAllocatable(capacity, this.#maxPods, this.#reserved, this.#hard);
    this.#allocatable = allocatable;
    const { pressure, lastSeen } = reportedPressure(
      observedPressure(signals, this.#hard),
      this.#pressureSeen,
      nowMs,
    );
    this.#pressureSeen = lastSeen;
    const conditions = nodeConditions(this.#conditions, pressure, health, apiTime(nowMs));
    for (const reason of conditionEvents(this.#conditions, conditions))
      this.#o.events?.nodeEvent("Normal", reason, messages.nodeStatus(this.#o.nodeName, reason));
    this.#conditions = conditions;
    return nodeStatus({
      nodeIP: this.#o.nodeIP,
      hostname: this.#o.hostname ?? this.#o.nodeName,
      nodeInfo: this.#nodeInfo(),
      capacity,
      maxPods: this.#maxPods,
      allocatable,
      conditions,
      images: this.#images ?? [],
      kubeletPort: this.#o.kubeletPort ?? DEFAULT_KUBELET_PORT,
    });
  }

  async #health(): Promise<NodeHealth> {
    try {
      return await this.#o.health();
    } catch (err) {
      return { ok: false, reason: `health check failed: ${(err as Error).message}` };
    }
  }

  /** Runtime version and images; on failure the last known values stay. */
  async #refreshRuntimeFacts(): Promise<void> {
    const [version, images] = await Promise.allSettled([this.#o.runtimeVersion(), this.#o.images()]);
    if (version.status === "fulfilled") this.#runtimeVersion = runtimeVersionString(version.value);
    else this.#o.log.debug({ err: String(version.reason) }, "container runtime version unavailable");
    if (images.status === "fulfilled") this.#images = nodeImages(images.value);
    else this.#o.log.debug({ err: String(images.reason) }, "container runtime image list unavailable");
  }

  #nodeInfo(): NodeSystemInfo {
    const host = this.#host!;
    const kubeletVersion = this.#o.kubeletVersion ?? KUBELET_VERSION;
    return {
      machineID: host.machineID,
      systemUUID: host.systemUUID,
      bootID: host.bootID,
      kernelVersion: host.kernelVersion,
      osImage: host.osImage,
      containerRuntimeVersion: this.#runtimeVersion,
      kubeletVersion,
      kubeProxyVersion: this.#o.kubeProxyVersion ?? kubeletVersion,
      operatingSystem: "linux",
      architecture: goArch(),
    };
  }
}
