// `nodelet run`: builds the kubelet half from its parts, connects the sources and servers, and keeps
// running until stopped. Everything is constructed here and passed down; nothing is global.
import { mkdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcRuntime } from "../cri/grpc/index.ts";
import { ProbeManager } from "../probes/manager.ts";
import { Backoff } from "./backoff/backoff.ts";
import { CgroupManager } from "./cm/cgroup-manager.ts";
import type { NodeletConfig } from "./config/config.ts";
import { certDir, controlSocketPath } from "./config/config.ts";
import { startApiProxy } from "./cluster/proxy-from-api.ts";
import { Kubelet } from "./kubelet.ts";
import type { Logger } from "./log.ts";
import { detectHostIP, minimumOomScoreAdj, nodeCapacity, swapEnabled } from "./node-facts.ts";
import { parseResolvConf } from "./pod/dns.ts";
import { lifecycleHookRunner } from "./pod/hooks.ts";
import { RuntimeInspector } from "./pod/inspect.ts";
import { PodSyncer } from "./pod/syncer.ts";
import { terminationMessageReader } from "./pod/termination-message.ts";
import { probeEffect, probeOutcomeEvent } from "./probe-effects.ts";
import { type StandaloneProxy, startStandaloneProxy } from "./proxy-wiring.ts";
import { startControlServer } from "./server/control-server.ts";
import { startHealthzServer } from "./server/healthz-server.ts";
import { startKubeletApi } from "./server/kubelet-api.ts";
import { ApiClient } from "./cluster/api-client.ts";
import { ApiPodObjects } from "./cluster/api-pod-objects.ts";
import { ApiEventRecorder } from "./cluster/events.ts";
import { NodeAgent } from "./cluster/node/node-agent.ts";
import { type ClusterProxy, startClusterProxy } from "./cluster/proxy-from-api.ts";
import { LogEventRecorder } from "./events/log-recorder.ts";
import { messages, REASON } from "./events/messages.ts";
import type { EventRecorder } from "./events/recorder.ts";
import { ClusterMode } from "./cluster/cluster-mode.ts";
import { loadKubeconfig } from "./cluster/kubeconfig.ts";
import { ensureClientKubeconfig } from "./cluster/bootstrap/tls-bootstrap.ts";
import {
  type CertRotation,
  managesClientCert,
  startClientCertRotation,
} from "./cluster/bootstrap/cert-rotation.ts";
import { ManifestDir } from "./sources/manifest-dir.ts";
import { StaticPods } from "./sources/static-pods.ts";
import { podVolumes } from "./volumes/pod-volumes.ts";

export interface RunningDaemon {
  kubelet: Kubelet;
  stop(): Promise<void>;
}

async function connectRuntime(endpoint: string, log: Logger, signal: AbortSignal): Promise<GrpcRuntime> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await GrpcRuntime.connect(endpoint, log.child({ component: "cri" }));
    } catch (err) {
      if (signal.aborted) throw err;
      log.error(
        { err, endpoint, attempt },
        `cannot reach the container runtime at ${endpoint}: ${(err as Error).message}; retrying`,
      );
      await sleep(Math.min(10_000, 500 * attempt), undefined, { signal });
    }
  }
}

export async function runDaemon(config: NodeletConfig, log: Logger): Promise<RunningDaemon> {
  if (config.failSwapOn && (await swapEnabled())) {
    throw new Error("running with swap on is not supported; turn swap off or set failSwapOn: false");
  }
  await Promise.all([
    mkdir(config.rootDir, { recursive: true, mode: 0o700 }),
    mkdir(config.podLogsDir, { recursive: true }),
    mkdir(config.containerLogsDir, { recursive: true }),
  ]);
  const abort = new AbortController();
  const runtime = await connectRuntime(config.runtimeEndpoint, log, abort.signal);
  const hostIP = detectHostIP(config.nodeIP);
  const capacity = nodeCapacity();
  const hostResolv = parseResolvConf(await readFile(config.resolvConf, "utf8").catch(() => ""));
  let client: ApiClient | undefined;
  let rotation: CertRotation | undefined;
  if (config.kubeconfig) {
    if (config.bootstrapKubeconfig) {
      await ensureClientKubeconfig({
        kubeconfig: config.kubeconfig,
        bootstrapKubeconfig: config.bootstrapKubeconfig,
        certDir: certDir(config),
        nodeName: config.nodeName,
        log: log.child({ component: "tls-bootstrap" }),
        signal: abort.signal,
      });
    }
    const connection = loadKubeconfig(config.kubeconfig);
    await connection.refreshCredentials();
    client = new ApiClient(connection, `nodelet/${config.nodeName}`);
    log.info({ apiServer: connection.describe }, "cluster mode: joining the API server");
    if (config.rotateCertificates && managesClientCert(connection, certDir(config))) {
      rotation = startClientCertRotation({
        client,
        certDir: certDir(config),
        nodeName: config.nodeName,
        log: log.child({ component: "cert-rotation" }),
        signal: abort.signal,
      });
    } else if (config.rotateCertificates && connection.clientCertFile) {
      log.info(
        { clientCertificate: connection.clientCertFile, certDir: certDir(config) },
        "client certificate not rotated: the kubeconfig does not use the one kept in the cert dir",
      );
    }
  }
  const podObjects = client
    ? new ApiPodObjects({ client, log: log.child({ component: "pod-objects" }) })
    : undefined;
  const evLog = log.child({ component: "events" });
  const events: EventRecorder = client
    ? new ApiEventRecorder({ client, nodeName: config.nodeName, log: evLog })
    : new LogEventRecorder(evLog, config.nodeName);
  const volumes = podVolumes(config.rootDir, config.clusterDomain, log.child({ component: "volumes" }), {
    ...(podObjects ? { objects: podObjects } : {}),
    nodeAllocatable: { milliCPU: capacity.milliCPU, memoryBytes: capacity.memoryBytes },
  });
  const cgroups = new CgroupManager({
    driver: config.cgroupDriver,
    root: config.cgroupRoot,
    logger: log.child({ component: "cgroups" }),
  });
  let kubelet: Kubelet | undefined;
  const probes = new ProbeManager({
    runtime,
    logger: log.child({ component: "prober" }),
    onChange: (ev) => {
      if (!kubelet) return;
      probeEffect(ev, kubelet.pod(ev.target.podUid), syncer.unhealthy, log);
      kubelet.wake(ev.target.podUid);
    },
    onUnhealthy: (ev) => probeOutcomeEvent(ev, kubelet?.pod(ev.target.podUid), events),
  });
  const syncer = new PodSyncer({
    runtime,
    cgroups,
    volumes: volumes.manager,
    mounter: volumes.mounter,
    probes,
    hooks: lifecycleHookRunner(runtime),
    crashBackoff: new Backoff({
      initialMs: config.crashLoopBackOffInitialMs,
      maxMs: config.crashLoopBackOffMaxMs,
    }),
    imageBackoff: new Backoff({
      initialMs: config.imagePullBackOffInitialMs,
      maxMs: config.imagePullBackOffMaxMs,
    }),
    log: log.child({ component: "pod" }),
    events,
    ...(podObjects ? { objects: podObjects } : {}),
    settings: {
      nodeName: config.nodeName,
      hostIP,
      podLogsDir: config.podLogsDir,
      containerLogsDir: config.containerLogsDir,
      cgroupDriver: config.cgroupDriver,
      cgroupRoot: config.cgroupRoot,
      dns: { servers: config.clusterDNS, clusterDomain: config.clusterDomain, host: hostResolv },
      nodeMemoryBytes: capacity.memoryBytes,
      nodeMilliCPU: capacity.milliCPU,
      minOomScoreAdj: await minimumOomScoreAdj(),
    },
  });
  const inspector = new RuntimeInspector(
    runtime,
    log.child({ component: "inspect" }),
    terminationMessageReader((uid) => volumes.manager.podDir(uid)),
  );
  let proxy: StandaloneProxy | undefined;
  let cluster: ClusterMode | undefined;
  kubelet = new Kubelet({
    runtime,
    inspector,
    syncer,
    probes,
    log: log.child({ component: "kubelet" }),
    hostIP,
    relistPeriodMs: config.relistPeriodMs,
    syncFrequencyMs: config.syncFrequencyMs,
    onStatus: (update) => {
      proxy?.podsChanged();
      cluster?.onStatus(update);
    },
  });
  const k = kubelet;
  let nodeAgent: NodeAgent | undefined;
  let clusterProxy: ClusterProxy | undefined;
  if (client) {
    nodeAgent = new NodeAgent({
      client,
      nodeName: config.nodeName,
      nodeIP: hostIP,
      register: config.registerNode,
      labels: config.nodeLabels,
      taints: config.registerWithTaints,
      maxPods: config.maxPods,
      reserved: config.reserved,
      rootDir: config.rootDir,
      kubeletPort: config.kubeletPort,
      statusUpdateFrequencyMs: config.nodeStatusUpdateFrequencyMs,
      statusReportFrequencyMs: config.nodeStatusReportFrequencyMs,
      leaseDurationSeconds: config.nodeLeaseDurationSeconds,
      runtimeVersion: () => runtime.version(),
      images: () => runtime.listImages(),
      health: () => k.health(),
      ...(config.proxyMode === "none" ? { kubeProxyVersion: "" } : {}),
      log: log.child({ component: "node" }),
      events,
    });
    const agent = nodeAgent;
    // Registration retries until it lands; pods run meanwhile (static pods need no API).
    void agent.start().then(
      () => events.nodeEvent("Normal", REASON.Starting, messages.startingKubelet()),
      (err: unknown) => log.error({ err }, `node registration stopped: ${(err as Error).message}`),
    );
    cluster = new ClusterMode({
      client,
      nodeName: config.nodeName,
      kubelet: k,
      log,
      podObjects,
      events,
      admissionNode: () => agent.admissionView(),
      node: () => {
        const m = agent.node()?.metadata;
        return m?.uid ? { name: m.name ?? config.nodeName, uid: m.uid } : undefined;
      },
    });
    podObjects?.onChange((uids) => {
      for (const uid of uids) k.wake(uid);
    });
    podObjects?.start();
  }
  try {
    if (client) {
      clusterProxy = await startClusterProxy(config, client, [hostIP], log.child({ component: "proxy" }));
    } else {
      proxy = await startStandaloneProxy(config, hostIP, () => k.pods(), log.child({ component: "proxy" }));
    }
  } catch (err) {
    // The pods still run; Services do not until the problem is fixed and nodelet restarted.
    log.error({ err, proxyMode: config.proxyMode }, `service proxy not started: ${(err as Error).message}`);
  }
  k.start();
  cluster?.start();

  const staticPods = new StaticPods(config.nodeName, log.child({ component: "static-pods" }));
  const source = new ManifestDir({
    dir: config.manifestsDir,
    log: log.child({ component: "manifests" }),
    resyncMs: config.fileCheckFrequencyMs,
    onSnapshot: (snapshot) => {
      const { pods, others } = staticPods.fromObjects(snapshot.objects);
      proxy?.setObjects(others);
      if (pods.length > config.maxPods) {
        log.error(
          { maxPods: config.maxPods, pods: pods.length },
          "more pods than maxPods: the excess is not run",
        );
      }
      if (cluster) cluster.setStaticPods(pods);
      else k.setPods(pods.slice(0, config.maxPods));
    },
  });
  await source.start();

  const servers: { close(): void }[] = [];
  const health = () => k.health();
  servers.push(
    await startControlServer({
      socketPath: controlSocketPath(config.rootDir),
      source: k,
      podLogsDir: config.podLogsDir,
      health,
      probeMetrics: () => probes.metricsText(),
      log,
    }),
  );
  if (config.healthzPort > 0) {
    servers.push(await startHealthzServer(config.healthzBindAddress, config.healthzPort, health, log));
  }
  if (client) {
    // Like the proxy: without the kubelet API the pods still run; `kubectl logs` does not work.
    const api = await startKubeletApi(config, {
      client,
      hostIP,
      source: k,
      health,
      probeMetrics: () => probes.metricsText(),
      runtime,
      log: log.child({ component: "kubelet-api" }),
    }).catch((err: unknown) => log.error({ err }, `kubelet API not started: ${(err as Error).message}`));
    if (api) servers.push({ close: () => api.close().closeAllConnections() });
  }
  log.info(
    { nodeName: config.nodeName, hostIP, manifests: config.manifestsDir, runtime: runtime.type },
    "nodelet running",
  );

  return {
    kubelet: k,
    async stop() {
      abort.abort();
      source.stop();
      for (const s of servers) s.close();
      await cluster?.stop();
      await nodeAgent?.stop();
      await k.stop();
      await clusterProxy?.stop();
      await podObjects?.stop();
      if (events instanceof ApiEventRecorder) await events.stop(2000);
      await rotation?.stop();
      client?.close();
      await proxy?.stop();
      probes.stop();
      runtime.close();
    },
  };
}

/** `nodelet proxy`: the Service proxy alone, fed by the API server (--kubeconfig) or the manifests directory. */
export async function runProxyOnly(config: NodeletConfig, log: Logger): Promise<{ stop(): Promise<void> }> {
  if (config.kubeconfig) return startApiProxy(config, log);
  const proxy = await startStandaloneProxy(
    config,
    detectHostIP(config.nodeIP),
    () => [],
    log.child({ component: "proxy" }),
  );
  if (!proxy) throw new Error("proxy mode none: nothing to run");
  const source = new ManifestDir({
    dir: config.manifestsDir,
    log: log.child({ component: "manifests" }),
    resyncMs: config.fileCheckFrequencyMs,
    onSnapshot: (snapshot) => {
      const others = snapshot.objects.filter((o) => (o.object as { kind?: unknown } | null)?.kind !== "Pod");
      proxy.setObjects(others);
    },
  });
  await source.start();
  log.info({ manifests: config.manifestsDir, mode: config.proxyMode }, "nodelet proxy running");
  return {
    async stop() {
      source.stop();
      await proxy.stop();
    },
  };
}
