// The kubeconfig the node uses after bootstrapping: the bootstrap kubeconfig's cluster (server,
// CA) and the user `default-auth` with the issued certificate (the kubelet's
// writeKubeconfigFromBootstrapping).
import { stringify } from "yaml";
import { writeFileAtomic } from "./atomic-file.ts";

export interface ClientKubeconfigSpec {
  server: string;
  caData?: Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** PEM with certificate and key (kubelet-client-current.pem). */
  certKeyFile: string;
}

export function renderClientKubeconfig(s: ClientKubeconfigSpec): string {
  const cluster: Record<string, unknown> = { server: s.server };
  if (s.caData) cluster["certificate-authority-data"] = s.caData.toString("base64");
  if (s.insecureSkipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  if (s.tlsServerName) cluster["tls-server-name"] = s.tlsServerName;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "default-cluster", cluster }],
    users: [
      { name: "default-auth", user: { "client-certificate": s.certKeyFile, "client-key": s.certKeyFile } },
    ],
    contexts: [
      {
        name: "default-context",
        context: { cluster: "default-cluster", user: "default-auth", namespace: "default" },
      },
    ],
    "current-context": "default-context",
  });
}

export async function writeClientKubeconfig(path: string, spec: ClientKubeconfigSpec): Promise<void> {
  await writeFileAtomic(path, renderClientKubeconfig(spec), 0o600);
}
