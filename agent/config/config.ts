// nodelet's effective configuration: upstream kubelet defaults, overridden by a KubeletConfiguration
// file, overridden by command-line flags.
import { hostname } from "node:os";
import { join } from "node:path";

export interface NodeletConfig {
  nodeName: string;
  /** The node's address reported as hostIP; empty = detect. */
  nodeIP: string;
  manifestsDir: string;
  runtimeEndpoint: string;
  rootDir: string;
  podLogsDir: string;
  containerLogsDir: string;
  maxPods: number;
  cgroupDriver: "cgroupfs" | "systemd";
  cgroupRoot: string;
  clusterDNS: string[];
  clusterDomain: string;
  resolvConf: string;
  healthzPort: number;
  healthzBindAddress: string;
  fileCheckFrequencyMs: number;
  syncFrequencyMs: number;
  relistPeriodMs: number;
  crashLoopBackOffInitialMs: number;
  crashLoopBackOffMaxMs: number;
  imagePullBackOffInitialMs: number;
  imagePullBackOffMaxMs: number;
  failSwapOn: boolean;
  containerLogMaxSizeBytes: number;
  containerLogMaxFiles: number;
  /** The Service proxy run beside the kubelet half; "none" runs none. */
  proxyMode: "nftables" | "iptables" | "ipvs" | "none";
  serviceClusterIPRange: string;
  /** Pod network (kube-proxy --cluster-cidr): traffic from outside it to Services is masqueraded. */
  clusterCIDR: string;
  nodePortAddresses: string[];
  proxyMinSyncPeriodMs: number;
  proxySyncPeriodMs: number;
  proxyHealthzBindAddress: string;
  proxyMetricsBindAddress: string;
  /** Cluster mode: the kubeconfig to reach the API server with; empty = standalone. */
  kubeconfig: string;
  /**
   * TLS bootstrapping (kubelet --bootstrap-kubeconfig): when `kubeconfig` holds no valid client
   * certificate, a CSR filed with this kubeconfig's credential yields one; empty = off.
   */
  bootstrapKubeconfig: string;
  /** Where client and serving certificates are kept (kubelet --cert-dir); empty = <rootDir>/pki. */
  certDir: string;
  /**
   * Renew the client certificate before it expires (kubelet rotateCertificates) when the kubeconfig
   * uses <certDir>/kubelet-client-current.pem. Upstream's default is false; kubeadm sets true.
   */
  rotateCertificates: boolean;
  /** Register the Node object (kubelet --register-node). */
  registerNode: boolean;
  /** --node-labels */
  nodeLabels: Record<string, string>;
  /** --register-with-taints, "key=value:Effect" each. */
  registerWithTaints: string[];
  nodeStatusUpdateFrequencyMs: number;
  nodeStatusReportFrequencyMs: number;
  nodeLeaseDurationSeconds: number;
  /** The kubelet API's port (HTTPS, cluster mode), also announced in the Node's daemonEndpoints; 0 = off. */
  kubeletPort: number;
  /** The kubelet API's listen address (KubeletConfiguration `address`). */
  address: string;
  /** Serving certificate and key of the kubelet API; empty = self-signed in <rootDir>/pki. */
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  /** CA bundle client certificates are verified against (authentication.x509.clientCAFile); empty = none. */
  clientCAFile: string;
  /** Bearer tokens checked by TokenReview (authentication.webhook.enabled). */
  authenticationTokenWebhook: boolean;
  authenticationTokenWebhookCacheTtlMs: number;
  /** authentication.anonymous.enabled */
  anonymousAuth: boolean;
  /** authorization.mode: SubjectAccessReview per request, or everything allowed. */
  authorizationMode: "Webhook" | "AlwaysAllow";
  authorizationWebhookCacheAuthorizedTtlMs: number;
  authorizationWebhookCacheUnauthorizedTtlMs: number;
  /** kubeReserved + systemReserved, summed (cpu in millicores, memory/ephemeral in bytes). */
  reserved: { milliCPU: number; memoryBytes: number; ephemeralStorageBytes: number };
}

export function defaultConfig(): NodeletConfig {
  return {
    nodeName: hostname().toLowerCase(),
    nodeIP: "",
    manifestsDir: "/etc/kubernetes/manifests",
    runtimeEndpoint: "unix:///run/containerd/containerd.sock",
    rootDir: "/var/lib/nodelet",
    podLogsDir: "/var/log/pods",
    containerLogsDir: "/var/log/containers",
    maxPods: 110,
    cgroupDriver: "cgroupfs",
    cgroupRoot: "/",
    clusterDNS: [],
    clusterDomain: "cluster.local",
    resolvConf: "/etc/resolv.conf",
    healthzPort: 10248,
    healthzBindAddress: "127.0.0.1",
    fileCheckFrequencyMs: 20_000,
    syncFrequencyMs: 60_000,
    relistPeriodMs: 1_000,
    crashLoopBackOffInitialMs: 10_000,
    crashLoopBackOffMaxMs: 300_000,
    imagePullBackOffInitialMs: 10_000,
    imagePullBackOffMaxMs: 300_000,
    failSwapOn: true,
    containerLogMaxSizeBytes: 10 * 1024 * 1024,
    containerLogMaxFiles: 5,
    proxyMode: "nftables",
    serviceClusterIPRange: "10.96.0.0/12",
    clusterCIDR: "",
    nodePortAddresses: [],
    proxyMinSyncPeriodMs: 1_000,
    proxySyncPeriodMs: 30_000,
    proxyHealthzBindAddress: "0.0.0.0:10256",
    proxyMetricsBindAddress: "127.0.0.1:10249",
    kubeconfig: "",
    bootstrapKubeconfig: "",
    certDir: "",
    rotateCertificates: true,
    registerNode: true,
    nodeLabels: {},
    registerWithTaints: [],
    nodeStatusUpdateFrequencyMs: 10_000,
    nodeStatusReportFrequencyMs: 300_000,
    nodeLeaseDurationSeconds: 40,
    kubeletPort: 10250,
    address: "0.0.0.0",
    tlsCertFile: "",
    tlsPrivateKeyFile: "",
    clientCAFile: "",
    authenticationTokenWebhook: true,
    authenticationTokenWebhookCacheTtlMs: 120_000,
    anonymousAuth: false,
    authorizationMode: "Webhook",
    authorizationWebhookCacheAuthorizedTtlMs: 300_000,
    authorizationWebhookCacheUnauthorizedTtlMs: 30_000,
    reserved: { milliCPU: 0, memoryBytes: 0, ephemeralStorageBytes: 0 },
  };
}

/** kubelet --cert-dir, defaulted. */
export function certDir(config: Pick<NodeletConfig, "certDir" | "rootDir">): string {
  return config.certDir || join(config.rootDir, "pki");
}

/** The unix socket `nodelet get` and `nodelet logs` use to reach a running daemon. */
export function controlSocketPath(rootDir: string): string {
  return `${rootDir}/nodelet.sock`;
}
