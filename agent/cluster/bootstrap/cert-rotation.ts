// Client certificate rotation (kubelet rotateCertificates; client-go's certificate manager): when
// the node's kubeconfig uses <certDir>/kubelet-client-current.pem, a new certificate is requested
// at a random point between 70 % and 90 % of the current one's lifetime: a new key, the same
// request as at bootstrap filed with the current certificate (the node's own identity), then the
// issued pair stored as a new kubelet-client-<ts>.pem, the current link moved to it, and the API
// client switched to it. Failures are retried with back-off for as long as it takes; the node
// keeps running on the certificate it has meanwhile.
import { generateKeyPairSync, type KeyObject, type X509Certificate } from "node:crypto";
import { join, resolve } from "node:path";
import type { Logger } from "../../log.ts";
import type { ApiClient } from "../api-client.ts";
import type { ApiConnection } from "../kubeconfig.ts";
import { pause } from "../node/pause.ts";
import { CURRENT_CLIENT_CERT, readCurrentClientCert, storeClientCert } from "./cert-store.ts";
import { DeadlineError, deadlineAfter } from "./deadline.ts";
import { awaitingApprovalMessage, nodeClientCsr, obtainCertificate } from "./node-csr.ts";
import { retryDelayMs, rotationDeadline } from "./rotation-schedule.ts";

/** client-go's wait for a renewal request's certificate; afterwards it is filed (adopted) again. */
export const DEFAULT_RENEWAL_WAIT_MS = 15 * 60_000;

export interface CertRotationOptions {
  /** The node's API client: files the requests with the current certificate, then uses each new one. */
  client: ApiClient;
  certDir: string;
  nodeName: string;
  log: Logger;
  signal?: AbortSignal;
  /** Uniform in [0, 1): the renewal point within the window, the retry jitter. */
  random?: () => number;
  now?: () => Date;
  /** How long one request waits for approval and signing before it is filed again. */
  renewalWaitMs?: number;
}

export interface CertRotation {
  stop(): Promise<void>;
}

/** Whether conn's client certificate and key are the pair nodelet keeps (and so renews) in certDir. */
export function managesClientCert(
  conn: Pick<ApiConnection, "clientCertFile" | "clientKeyFile">,
  certDir: string,
): boolean {
  const current = join(resolve(certDir), CURRENT_CLIENT_CERT);
  return conn.clientCertFile === current && conn.clientKeyFile === current;
}

export function startClientCertRotation(o: CertRotationOptions): CertRotation {
  const stopper = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stopper.signal]) : stopper.signal;
  const running = rotateForever(o, signal).catch((err: unknown) => {
    if (!signal.aborted)
      o.log.error({ err }, `client certificate rotation stopped: ${(err as Error).message}`);
  });
  return {
    async stop() {
      stopper.abort();
      await running;
    },
  };
}

async function rotateForever(o: CertRotationOptions, signal: AbortSignal): Promise<void> {
  const random = o.random ?? Math.random;
  const now = o.now ?? (() => new Date());
  const certDir = resolve(o.certDir);
  const log = o.log;
  const waitMs = o.renewalWaitMs ?? DEFAULT_RENEWAL_WAIT_MS;
  let scheduled: { fingerprint: string; at: Date } | undefined;
  // Kept while its request may still be answered, so a retry adopts that request.
  let key: KeyObject | undefined;
  let failures = 0;

  while (!signal.aborted) {
    let current: X509Certificate | undefined;
    try {
      current = await readCurrentClientCert(certDir);
      if (scheduled?.fingerprint !== current.fingerprint256) {
        scheduled = {
          fingerprint: current.fingerprint256,
          at: rotationDeadline({ notBefore: current.validFromDate, notAfter: current.validToDate }, random()),
        };
        log.info(
          { serial: current.serialNumber, validTo: current.validTo, renewAt: scheduled.at.toISOString() },
          "client certificate renewal scheduled",
        );
      }
      await pause(scheduled.at.getTime() - now().getTime(), signal);
      if (signal.aborted) return;

      key ??= generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
      const csr = nodeClientCsr(key, o.nodeName);
      log.info({ csr: csr.name, serial: current.serialNumber }, "renewing the client certificate");
      const deadline = deadlineAfter(waitMs, signal, () => awaitingApprovalMessage(csr.name, waitMs));
      const issued = await obtainCertificate(o.client, csr, key, deadline, log);
      const keyPem = key.export({ type: "sec1", format: "pem" }).toString();
      key = undefined;
      const file = await storeClientCert(certDir, issued.certPem, keyPem, now());
      o.client.setClientCertificate(issued.certPem, keyPem);
      failures = 0;
      log.info(
        { csr: csr.name, serial: issued.leaf.serialNumber, validTo: issued.leaf.validTo, file },
        "client certificate renewed; new connections use it",
      );
    } catch (err) {
      if (signal.aborted) return;
      // A request that only ran out of time may still be approved: file it again. Anything else
      // (denied, failed, refused, a wrong certificate) starts over with a new key.
      if (!(err instanceof DeadlineError)) key = undefined;
      failures++;
      const retryMs = retryDelayMs(failures, random());
      const message = (err as Error).message;
      if (current && now() > current.validToDate) {
        log.error(
          { err, validTo: current.validTo, failures, retryInMs: retryMs },
          `client certificate EXPIRED at ${current.validTo} and is not renewed: the API server rejects this node until it is (${message}); retrying`,
        );
      } else {
        log.error(
          { err, validTo: current?.validTo, failures, retryInMs: retryMs },
          `client certificate renewal failed: ${message}; retrying`,
        );
      }
      await pause(retryMs, signal);
    }
  }
}
