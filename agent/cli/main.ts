#!/usr/bin/env node
// nodelet command line: `run` (the daemon), `get pods`, `logs`.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { stringify } from "yaml";
import type { Pod } from "../api/pod.ts";
import type { NodeletConfig } from "../config/config.ts";
import { controlSocketPath, defaultConfig } from "../config/config.ts";
import { parseDuration } from "../config/duration.ts";
import { parseKubeletConfiguration } from "../config/kubelet-configuration.ts";
import { runDaemon, runProxyOnly } from "../daemon.ts";
import { parseKubeProxyConfiguration } from "../../proxy/config.ts";
import { cleanupProxy } from "../../proxy/start.ts";
import { createLogger } from "../log.ts";
import { formatPodTable } from "../printers/pod-table.ts";
import { ControlError, getJson, streamTo } from "./control-client.ts";

const program = new Command("nodelet").description(
  "A Kubernetes node agent: kubelet and kube-proxy in one daemon",
);
const rootDirOption = () =>
  new Option("--root-dir <dir>", "nodelet's state directory").default(defaultConfig().rootDir);

type Options = Record<string, string | boolean | undefined>;

const optionString = (opts: Options, k: string): string | undefined =>
  typeof opts[k] === "string" ? opts[k] : undefined;

/** Sets a config field to a flag's value, when the flag was given. */
const setter =
  (config: NodeletConfig) =>
  <K extends keyof NodeletConfig>(key: K, value: NodeletConfig[K] | undefined): void => {
    if (value !== undefined) config[key] = value;
  };

/** defaults ← --config file ← flags. */
function resolveConfig(opts: Options): NodeletConfig {
  const config = defaultConfig();
  if (typeof opts.config === "string") {
    const parsed = parseKubeletConfiguration(readFileSync(opts.config, "utf8"));
    if (parsed.errors.length > 0) {
      const lines = parsed.errors.map((e) => `  ${e.field || "(document)"}: ${e.reason}`).join("\n");
      throw new ControlError(`invalid KubeletConfiguration in ${opts.config}:\n${lines}`);
    }
    Object.assign(config, parsed.config);
    if (parsed.ignored.length > 0)
      process.stderr.write(`nodelet: ignoring KubeletConfiguration fields: ${parsed.ignored.join(", ")}\n`);
  }
  const str = (k: string) => optionString(opts, k);
  const num = (k: string) => (str(k) !== undefined ? Number(str(k)) : undefined);
  const set = setter(config);
  set("manifestsDir", str("manifests"));
  set("runtimeEndpoint", str("runtimeEndpoint"));
  set("rootDir", str("rootDir"));
  set("podLogsDir", str("podLogsDir"));
  set("containerLogsDir", str("containerLogsDir"));
  set("cgroupRoot", str("cgroupRoot"));
  set("cgroupDriver", str("cgroupDriver") as NodeletConfig["cgroupDriver"] | undefined);
  set("nodeName", str("nodeName")?.toLowerCase());
  set("nodeIP", str("nodeIp"));
  set("clusterDNS", str("clusterDns")?.split(",").filter(Boolean));
  set("clusterDomain", str("clusterDomain"));
  set("healthzPort", num("healthzPort"));
  set("maxPods", num("maxPods"));
  set(
    "crashLoopBackOffInitialMs",
    str("crashloopInitial") !== undefined ? parseDuration(str("crashloopInitial")!) : undefined,
  );
  set(
    "crashLoopBackOffMaxMs",
    str("crashloopMax") !== undefined ? parseDuration(str("crashloopMax")!) : undefined,
  );
  set(
    "fileCheckFrequencyMs",
    str("fileCheckFrequency") !== undefined ? parseDuration(str("fileCheckFrequency")!) : undefined,
  );
  if (opts.failSwapOn === false) config.failSwapOn = false;
  set("kubeconfig", str("kubeconfig"));
  set("bootstrapKubeconfig", str("bootstrapKubeconfig"));
  set("certDir", str("certDir"));
  set("rotateCertificates", boolOption(opts, "rotateCertificates", "--rotate-certificates"));
  if (config.bootstrapKubeconfig && !config.kubeconfig)
    throw new ControlError(
      "--bootstrap-kubeconfig needs --kubeconfig: the path the node's own kubeconfig is written to",
    );
  if (opts.registerNode === false) config.registerNode = false;
  if (str("nodeLabels") !== undefined)
    config.nodeLabels = parseKeyValues(str("nodeLabels")!, "--node-labels");
  set("registerWithTaints", str("registerWithTaints")?.split(",").filter(Boolean));
  applyKubeletApiOptions(config, opts);
  applyProxyOptions(config, opts);
  return config;
}

/** A `--flag [bool]` option: absent, bare (true), or "true"/"false". */
function boolOption(opts: Options, k: string, flag: string): boolean | undefined {
  const v = opts[k];
  if (v === undefined) return undefined;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new ControlError(`${flag}: "${v}" is not true or false`);
}

/** The kubelet API (:10250) flags, named as the kubelet's. */
function applyKubeletApiOptions(config: NodeletConfig, opts: Options): void {
  const str = (k: string) => optionString(opts, k);
  const set = setter(config);
  if (str("port") !== undefined) {
    const port = Number(str("port"));
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ControlError(`--port: "${str("port")}" is not a port (0 turns the kubelet API off)`);
    config.kubeletPort = port;
  }
  set("address", str("address"));
  set("tlsCertFile", str("tlsCertFile"));
  set("tlsPrivateKeyFile", str("tlsPrivateKeyFile"));
  set("clientCAFile", str("clientCaFile"));
  set("anonymousAuth", boolOption(opts, "anonymousAuth", "--anonymous-auth"));
  set(
    "authenticationTokenWebhook",
    boolOption(opts, "authenticationTokenWebhook", "--authentication-token-webhook"),
  );
  const mode = str("authorizationMode");
  if (mode !== undefined) {
    if (mode !== "Webhook" && mode !== "AlwaysAllow")
      throw new ControlError(`--authorization-mode: "${mode}" is not Webhook or AlwaysAllow`);
    config.authorizationMode = mode;
  }
}

/** "k1=v1,k2=v2" (values may be empty). */
function parseKeyValues(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ControlError(`${flag}: "${part}" is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** defaults ← --proxy-config (KubeProxyConfiguration) ← flags, for the Service proxy half. */
function applyProxyOptions(config: NodeletConfig, opts: Options): void {
  if (typeof opts.proxyConfig === "string") {
    let kp: ReturnType<typeof parseKubeProxyConfiguration>;
    try {
      kp = parseKubeProxyConfiguration(readFileSync(opts.proxyConfig, "utf8"));
    } catch (err) {
      throw new ControlError(
        `invalid KubeProxyConfiguration in ${opts.proxyConfig}: ${(err as Error).message}`,
      );
    }
    if (kp.mode) config.proxyMode = kp.mode;
    if (kp.clusterCIDR) config.clusterCIDR = kp.clusterCIDR;
    if (kp.nodePortAddresses) config.nodePortAddresses = kp.nodePortAddresses;
    if (kp.minSyncPeriodMs !== undefined) config.proxyMinSyncPeriodMs = kp.minSyncPeriodMs;
    if (kp.syncPeriodMs !== undefined) config.proxySyncPeriodMs = kp.syncPeriodMs;
    if (kp.healthzBindAddress !== undefined) config.proxyHealthzBindAddress = kp.healthzBindAddress;
    if (kp.metricsBindAddress !== undefined) config.proxyMetricsBindAddress = kp.metricsBindAddress;
    if (kp.hostnameOverride && typeof opts.nodeName !== "string")
      config.nodeName = kp.hostnameOverride.toLowerCase();
  }
  if (typeof opts.proxyMode === "string") config.proxyMode = opts.proxyMode as NodeletConfig["proxyMode"];
  if (typeof opts.serviceClusterIpRange === "string")
    config.serviceClusterIPRange = opts.serviceClusterIpRange;
  if (typeof opts.clusterCidr === "string") config.clusterCIDR = opts.clusterCidr;
  if (typeof opts.nodeportAddresses === "string")
    config.nodePortAddresses = opts.nodeportAddresses.split(",").filter(Boolean);
  if (typeof opts.proxyHealthzBindAddress === "string")
    config.proxyHealthzBindAddress = opts.proxyHealthzBindAddress;
  if (typeof opts.proxyMetricsBindAddress === "string")
    config.proxyMetricsBindAddress = opts.proxyMetricsBindAddress;
}

function proxyOptions(cmd: Command): Command {
  return cmd
    .option("--proxy-config <file>", "KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1)")
    .option("--service-cluster-ip-range <cidr>", "ClusterIP range (default 10.96.0.0/12)")
    .option("--cluster-cidr <cidr>", "pod network; traffic from outside it to Services is masqueraded")
    .option("--nodeport-addresses <cidrs>", "comma-separated CIDRs whose addresses accept NodePorts")
    .option(
      "--proxy-healthz-bind-address <host:port>",
      "proxy health endpoint (default 0.0.0.0:10256, empty disables)",
    )
    .option(
      "--proxy-metrics-bind-address <host:port>",
      "proxy metrics (default 127.0.0.1:10249, empty disables)",
    );
}

proxyOptions(program.command("run"))
  .description("run the node agent (kubelet half and, unless --proxy-mode none, the Service proxy)")
  .addOption(
    new Option("--proxy-mode <mode>", "Service proxy backend").choices([
      "nftables",
      "iptables",
      "ipvs",
      "none",
    ]),
  )
  .option("--config <file>", "KubeletConfiguration file (kubelet.config.k8s.io/v1beta1)")
  .option("--manifests <dir>", "static pod manifests directory (staticPodPath)")
  .option("--pod-manifest-path <dir>", "alias of --manifests")
  .option("--runtime-endpoint <endpoint>", "CRI endpoint, e.g. unix:///run/containerd/containerd.sock")
  .option("--container-runtime-endpoint <endpoint>", "alias of --runtime-endpoint")
  .addOption(new Option("--root-dir <dir>", "nodelet's state directory"))
  .option("--pod-logs-dir <dir>", "container logs root (default /var/log/pods)")
  .option("--container-logs-dir <dir>", "container log symlinks (default /var/log/containers)")
  .option("--cgroup-root <path>", "cgroup under which kubepods lives")
  .addOption(new Option("--cgroup-driver <driver>").choices(["cgroupfs", "systemd"]))
  .option("--node-name <name>", "node name (default: hostname)")
  .option("--hostname-override <name>", "alias of --node-name")
  .option("--node-ip <ip>", "the node's IP address")
  .option("--cluster-dns <ips>", "comma-separated cluster DNS servers")
  .option("--cluster-domain <domain>", "cluster domain")
  .option("--healthz-port <port>", "healthz port, 0 disables")
  .option("--max-pods <n>", "maximum number of pods")
  .option("--crashloop-initial <duration>", "initial CrashLoopBackOff delay (default 10s)")
  .option("--crashloop-max <duration>", "maximum CrashLoopBackOff delay (1s-300s, default 300s)")
  .option("--file-check-frequency <duration>", "manifest directory re-read period (default 20s)")
  .option("--no-fail-swap-on", "run even with swap on")
  .option("--kubeconfig <file>", "join a cluster: kubeconfig of this node's identity (absent: standalone)")
  .option(
    "--bootstrap-kubeconfig <file>",
    "TLS bootstrapping: when --kubeconfig has no valid client certificate, request one with this kubeconfig's credential",
  )
  .option("--cert-dir <dir>", "client and serving certificates (default <root-dir>/pki)")
  .option(
    "--rotate-certificates [bool]",
    "renew the client certificate kept in --cert-dir before it expires (default true)",
  )
  .option("--no-register-node", "do not register the Node object (it must exist)")
  .option("--node-labels <k=v,...>", "labels added to the Node at registration")
  .option("--register-with-taints <k=v:Effect,...>", "taints the Node is registered with")
  .option("--port <port>", "kubelet API HTTPS port in cluster mode (default 10250, 0 disables)")
  .option("--address <ip>", "kubelet API listen address (default 0.0.0.0)")
  .option(
    "--tls-cert-file <file>",
    "kubelet API serving certificate (default: self-signed in <root-dir>/pki)",
  )
  .option("--tls-private-key-file <file>", "key of --tls-cert-file")
  .option("--client-ca-file <file>", "CA bundle that verifies kubelet API client certificates")
  .option(
    "--anonymous-auth <bool>",
    "let requests without credentials in as system:anonymous (default false)",
  )
  .option("--authentication-token-webhook [bool]", "check bearer tokens with TokenReview (default true)")
  .option("--authorization-mode <mode>", "kubelet API authorization: Webhook (default) or AlwaysAllow")
  .action(async (opts: Options) => {
    opts.manifests ??= opts.podManifestPath;
    opts.runtimeEndpoint ??= opts.containerRuntimeEndpoint;
    opts.nodeName ??= opts.hostnameOverride;
    const config = resolveConfig(opts);
    const log = createLogger();
    const daemon = await runDaemon(config, log);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "stopping nodelet (pods keep running)");
      await daemon.stop();
      process.exit(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
  });

proxyOptions(program.command("proxy"))
  .description(
    "run only the Service proxy (like kube-proxy) on the Services and EndpointSlices of the API server (--kubeconfig) or of a manifests directory",
  )
  .option("--kubeconfig <file>", "watch Services and EndpointSlices of this cluster (absent: --manifests)")
  .option("--manifests <dir>", "directory of Service and EndpointSlice manifests")
  .addOption(new Option("--proxy-mode <mode>", "backend").choices(["nftables", "iptables", "ipvs"]))
  .option("--node-name <name>", "node name (default: hostname)")
  .option("--node-ip <ip>", "the node's IP address")
  .option("--cleanup", "remove every rule nodelet ever created, in every mode, and exit")
  .action(async (opts: Options) => {
    const log = createLogger();
    if (opts.cleanup) {
      await cleanupProxy(log);
      log.info("removed every Service proxy rule");
      return;
    }
    const config = resolveConfig(opts);
    if (config.proxyMode === "none") config.proxyMode = "nftables";
    const proxy = await runProxyOnly(config, log);
    const stop = async () => {
      await proxy.stop();
      process.exit(0);
    };
    process.on("SIGTERM", () => void stop());
    process.on("SIGINT", () => void stop());
  });

const get = program.command("get").description("show resources of the running nodelet");
get
  .command("pods")
  .alias("pod")
  .description("list pods like kubectl get pods")
  .addOption(new Option("-o, --output <format>").choices(["wide", "json", "yaml"]))
  .option("-n, --namespace <ns>", "only this namespace")
  .option("-A, --all-namespaces", "all namespaces (default: all)")
  .addOption(rootDirOption())
  .action(async (opts: { output?: string; namespace?: string; rootDir: string; allNamespaces?: boolean }) => {
    const list = await getJson<{ items: Pod[] }>(controlSocketPath(opts.rootDir), "/pods");
    const items = opts.namespace
      ? list.items.filter((p) => p.metadata.namespace === opts.namespace)
      : list.items;
    if (opts.output === "json") process.stdout.write(`${JSON.stringify({ ...list, items }, null, 4)}\n`);
    else if (opts.output === "yaml") process.stdout.write(stringify({ ...list, items }));
    else if (items.length === 0) process.stderr.write("No resources found\n");
    else {
      const allNamespaces = !opts.namespace && new Set(items.map((p) => p.metadata.namespace)).size > 1;
      process.stdout.write(
        formatPodTable(items, { wide: opts.output === "wide", allNamespaces, now: Date.now() }),
      );
    }
  });

program
  .command("logs")
  .description("print a container's logs like kubectl logs")
  .argument("<pod>", "pod name")
  .option("-c, --container <name>", "container name")
  .option("-n, --namespace <ns>", "namespace", "default")
  .option("-f, --follow", "stream new output")
  .option("-p, --previous", "the previous instance of the container")
  .option("--tail <n>", "only the last n lines")
  .option("--limit-bytes <n>", "at most n bytes")
  .option("--since <duration>", "only lines newer than this (e.g. 5m)")
  .option("--timestamps", "prefix each line with its time")
  .addOption(rootDirOption())
  .action(async (pod: string, opts: Options) => {
    const q = new URLSearchParams();
    if (opts.follow) q.set("follow", "true");
    if (opts.previous) q.set("previous", "true");
    if (opts.timestamps) q.set("timestamps", "true");
    if (typeof opts.tail === "string" && Number(opts.tail) >= 0) q.set("tailLines", opts.tail);
    if (typeof opts.limitBytes === "string") q.set("limitBytes", opts.limitBytes);
    if (typeof opts.since === "string")
      q.set("sinceSeconds", String(Math.ceil(parseDuration(opts.since) / 1000)));
    const path = `/containerLogs/${encodeURIComponent(String(opts.namespace))}/${encodeURIComponent(pod)}/${encodeURIComponent(String(opts.container ?? ""))}?${q}`;
    await streamTo(controlSocketPath(String(opts.rootDir)), path, process.stdout);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ControlError) process.stderr.write(`error: ${err.message}\n`);
  else process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
