// certificates.k8s.io/v1 CertificateSigningRequest: the fields the node reads and writes, and the
// verdict its status gives on a request.

export const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
/** The signer whose certificates the API server accepts for a kubelet's client identity. */
export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
/** What the kubelet asks for with an ECDSA key (RSA keys would add "key encipherment"). */
export const KUBELET_CLIENT_USAGES = ["digital signature", "client auth"] as const;

export interface CsrCondition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface CertificateSigningRequest {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; uid?: string; resourceVersion?: string };
  spec: {
    /** base64 of the PEM request. */
    request: string;
    signerName: string;
    usages?: string[];
    username?: string;
    groups?: string[];
    expirationSeconds?: number;
  };
  status?: {
    /** base64 of the PEM certificate chain. */
    certificate?: string;
    conditions?: CsrCondition[];
  };
}

export interface CsrList {
  metadata?: { resourceVersion?: string };
  items: CertificateSigningRequest[];
}

export type CsrVerdict =
  | { state: "issued"; certificatePem: string }
  | { state: "denied" | "failed"; reason: string; message: string }
  | { state: "pending"; approved: boolean };

/** Denied or Failed wins over anything else; issued once approved with a certificate. */
export function csrVerdict(csr: CertificateSigningRequest): CsrVerdict {
  const conditions = csr.status?.conditions ?? [];
  for (const type of ["Denied", "Failed"] as const) {
    const c = conditions.find((x) => x.type === type);
    if (c)
      return {
        state: type === "Denied" ? "denied" : "failed",
        reason: c.reason ?? "",
        message: c.message ?? "",
      };
  }
  const approved = conditions.some((c) => c.type === "Approved");
  const cert = csr.status?.certificate;
  if (approved && cert)
    return { state: "issued", certificatePem: Buffer.from(cert, "base64").toString("utf8") };
  return { state: "pending", approved };
}

export function newCsrObject(
  name: string,
  requestPem: string,
  signerName: string,
  usages: readonly string[],
): CertificateSigningRequest {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: { request: Buffer.from(requestPem).toString("base64"), signerName, usages: [...usages] },
  };
}
