// Waits for the CertificateSigningRequest's certificate: list it by name, then watch it from that
// resourceVersion; list again whenever the watch ends or breaks. Denied, Failed, a deletion or a
// replacement (another UID) end the wait with an error naming the request.
import type { Logger } from "../../log.ts";
import {
  type ApiClient,
  type ApiStatus,
  isApiError,
  WATCH_TIMEOUT_SECONDS,
  withQuery,
} from "../api-client.ts";
import { RetryDelay } from "../node/pause.ts";
import { CSR_PATH, type CertificateSigningRequest, type CsrList, csrVerdict } from "./csr-object.ts";
import type { Deadline } from "./deadline.ts";

export class CsrRejectedError extends Error {
  readonly csrName: string;
  readonly condition: string;
  readonly reason: string;
  constructor(csrName: string, condition: string, reason: string, message: string) {
    super(
      `CertificateSigningRequest ${csrName} was ${condition.toLowerCase()}: reason ${reason || "(none)"}` +
        (message ? `: ${message}` : ""),
    );
    this.csrName = csrName;
    this.condition = condition;
    this.reason = reason;
  }
}

export async function waitForCertificate(
  client: ApiClient,
  csr: { name: string; uid: string },
  deadline: Deadline,
  log: Logger,
): Promise<string> {
  const fieldSelector = `metadata.name=${csr.name}`;
  let reported: "waiting" | "approved" | undefined;
  /** The certificate PEM when issued, undefined while pending; throws when it never will be. */
  const judge = (obj: CertificateSigningRequest | undefined): string | undefined => {
    if (!obj)
      throw new Error(`CertificateSigningRequest ${csr.name} was deleted before a certificate was issued`);
    if (csr.uid && obj.metadata.uid && obj.metadata.uid !== csr.uid) {
      throw new Error(
        `CertificateSigningRequest ${csr.name} was replaced while waiting (uid ${obj.metadata.uid}, filed as ${csr.uid})`,
      );
    }
    const v = csrVerdict(obj);
    if (v.state === "issued") return v.certificatePem;
    if (v.state !== "pending") {
      throw new CsrRejectedError(csr.name, v.state === "denied" ? "Denied" : "Failed", v.reason, v.message);
    }
    const now = v.approved ? "approved" : "waiting";
    if (now !== reported) {
      reported = now;
      log.info(
        { csr: csr.name },
        v.approved
          ? "certificate request approved, waiting for it to be signed"
          : "waiting for the certificate request to be approved",
      );
    }
    return undefined;
  };

  const retry = new RetryDelay(1000, 30_000);
  for (;;) {
    deadline.check();
    try {
      const list = await client.get<CsrList>(withQuery(CSR_PATH, { fieldSelector }), {
        signal: deadline.signal,
      });
      const listed = judge(list.items[0]);
      if (listed) return listed;

      const stop = new AbortController();
      let issued: string | undefined;
      const timeoutSeconds = Math.max(
        1,
        Math.min(WATCH_TIMEOUT_SECONDS, Math.ceil(deadline.remainingMs() / 1000)),
      );
      const path = withQuery(CSR_PATH, {
        fieldSelector,
        watch: 1,
        resourceVersion: list.metadata?.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      });
      const watchStart = Date.now();
      await client.watch<CertificateSigningRequest | ApiStatus>(
        path,
        (ev) => {
          if (ev.type === "BOOKMARK") return;
          // Mostly 410 Gone (resourceVersion too old): list again.
          if (ev.type === "ERROR") return stop.abort();
          if (ev.type === "DELETED") judge(undefined);
          issued = judge(ev.object as CertificateSigningRequest);
          if (issued) stop.abort();
        },
        AbortSignal.any([deadline.signal, stop.signal]),
      );
      if (issued) return issued;
      retry.reset();
      // A server that ends watches at once must not turn this into a busy list loop.
      if (Date.now() - watchStart < 1000) await deadline.pause(1000);
    } catch (err) {
      deadline.check();
      if (isApiError(err, 410)) continue;
      if (!isApiError(err) || !err.transient) throw err;
      log.warn({ csr: csr.name, err: err.message }, "watching the certificate request failed; listing again");
      await deadline.pause(retry.next());
    }
  }
}
