// Files the CertificateSigningRequest, or adopts the one an earlier attempt with the same key
// filed (AlreadyExists under the digested name) when it asks for exactly the same thing.
import type { Logger } from "../../log.ts";
import { type ApiClient, isApiError } from "../api-client.ts";
import { RetryDelay } from "../node/pause.ts";
import { csrFromPem, requestInfoOf } from "./csr-der.ts";
import { CSR_PATH, type CertificateSigningRequest } from "./csr-object.ts";
import type { Deadline } from "./deadline.ts";

export interface SubmittedCsr {
  name: string;
  uid: string;
  /** An earlier attempt's object was adopted. */
  reused: boolean;
}

/** Why existing cannot stand for wanted, or undefined when it can. */
export function csrMismatch(
  existing: CertificateSigningRequest,
  wanted: CertificateSigningRequest,
): string | undefined {
  if (existing.spec.signerName !== wanted.spec.signerName)
    return `signerName ${existing.spec.signerName}, want ${wanted.spec.signerName}`;
  const sorted = (u: string[] | undefined) => JSON.stringify([...(u ?? [])].sort());
  if (sorted(existing.spec.usages) !== sorted(wanted.spec.usages))
    return `usages ${JSON.stringify(existing.spec.usages ?? [])}, want ${JSON.stringify(wanted.spec.usages ?? [])}`;
  // The signed part holds subject, public key and attributes; the signature itself varies per signing.
  const info = (csr: CertificateSigningRequest) =>
    requestInfoOf(csrFromPem(Buffer.from(csr.spec.request, "base64").toString("utf8")));
  try {
    if (!info(existing).equals(info(wanted))) return "a different subject or public key";
  } catch (err) {
    return `unreadable request: ${(err as Error).message}`;
  }
  return undefined;
}

export async function submitCsr(
  client: ApiClient,
  wanted: CertificateSigningRequest,
  deadline: Deadline,
  log: Logger,
): Promise<SubmittedCsr> {
  const name = wanted.metadata.name!;
  const retry = new RetryDelay(1000, 30_000);
  for (;;) {
    deadline.check();
    try {
      try {
        const created = await client.request<CertificateSigningRequest>("POST", CSR_PATH, {
          body: wanted,
          signal: deadline.signal,
        });
        return { name, uid: created.metadata.uid ?? "", reused: false };
      } catch (err) {
        if (!isApiError(err, 409)) throw err;
      }
      const existing = await client.get<CertificateSigningRequest>(`${CSR_PATH}/${name}`, {
        signal: deadline.signal,
      });
      const mismatch = csrMismatch(existing, wanted);
      if (mismatch) {
        throw new Error(
          `CertificateSigningRequest ${name} already exists and does not match this request: ${mismatch}`,
        );
      }
      return { name, uid: existing.metadata.uid ?? "", reused: true };
    } catch (err) {
      deadline.check();
      if (!isApiError(err) || !err.transient) {
        if (isApiError(err))
          throw new Error(`creating CertificateSigningRequest ${name}: ${err.message}`, { cause: err });
        throw err;
      }
      log.warn(
        { csr: name, err: err.message },
        "cannot reach the API server to file the certificate request; retrying",
      );
      await deadline.pause(retry.next());
    }
  }
}
