// Builds the kubelet API (:10250) from the configuration: serving certificate, authenticators and
// authorizer wired to the node's API client, and the daemon's CRI connection for the streaming calls
// (exec, attach, port-forward, run) and container stats. Runs in cluster mode only, and not when the
// port is 0.
import type { Server } from "node:https";
import { hostname } from "node:os";
import { readFile } from "node:fs/promises";
import type { ApiClient } from "../cluster/api-client.ts";
import { certDir, type NodeletConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";
import type { StreamingRuntime } from "./container-streams.ts";
import { KubeletApiAuth } from "./kubelet-api-auth.ts";
import { startKubeletApiServer } from "./kubelet-api-server.ts";
import type { PodSource } from "./pod-reader.ts";
import type { StatsRuntime } from "./resource-stats.ts";
import { loadServingCert } from "./serving-cert.ts";
import { servingCertNames } from "./serving-cert-names.ts";
import { TokenReviewAuthenticator } from "./token-authenticator.ts";
import { SubjectAccessReviewAuthorizer } from "./webhook-authorizer.ts";

export interface KubeletApiDeps {
  client: ApiClient;
  hostIP: string;
  source: PodSource;
  health: () => { ok: boolean; reason: string };
  probeMetrics: () => string;
  /** The daemon's runtime connection: exec, attach, port-forward, /run and container stats go through it. */
  runtime: StreamingRuntime & StatsRuntime;
  log: Logger;
}

export async function startKubeletApi(config: NodeletConfig, d: KubeletApiDeps): Promise<Server | undefined> {
  if (config.kubeletPort === 0) return undefined;
  const log = d.log;
  const serving = await loadServingCert({
    tlsCertFile: config.tlsCertFile,
    tlsPrivateKeyFile: config.tlsPrivateKeyFile,
    pkiDir: certDir(config),
    names: () =>
      servingCertNames({
        hostname: hostname(),
        nodeName: config.nodeName,
        addresses: [d.hostIP],
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
  });
  if (serving.generated)
    log.info({ cert: serving.certFile }, "kubelet API: generated a self-signed serving certificate");
  const clientCA = config.clientCAFile ? await readFile(config.clientCAFile) : undefined;
  const auth = new KubeletApiAuth({
    nodeName: config.nodeName,
    x509: clientCA !== undefined,
    ...(config.authenticationTokenWebhook
      ? {
          tokens: new TokenReviewAuthenticator({
            client: d.client,
            cacheTtlMs: config.authenticationTokenWebhookCacheTtlMs,
          }),
        }
      : {}),
    anonymous: config.anonymousAuth,
    ...(config.authorizationMode === "Webhook"
      ? {
          authorizer: new SubjectAccessReviewAuthorizer({
            client: d.client,
            allowedTtlMs: config.authorizationWebhookCacheAuthorizedTtlMs,
            deniedTtlMs: config.authorizationWebhookCacheUnauthorizedTtlMs,
          }),
        }
      : {}),
    log,
  });
  return startKubeletApiServer({
    address: config.address,
    port: config.kubeletPort,
    cert: serving.cert,
    key: serving.key,
    ...(clientCA ? { clientCA } : {}),
    auth,
    nodeName: config.nodeName,
    source: d.source,
    runtime: d.runtime,
    podLogsDir: config.podLogsDir,
    health: d.health,
    probeMetrics: d.probeMetrics,
    log,
  });
}
