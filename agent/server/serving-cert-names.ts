// The names the kubelet API's self-signed serving certificate is made for: the host name and the
// node name as DNS names, the node's addresses as IP addresses (what the API server may dial).
import { isIP } from "node:net";

export interface ServingCertNames {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export function servingCertNames(o: {
  hostname: string;
  nodeName: string;
  addresses: readonly string[];
  /** Seconds since the epoch, in the CN as the kubelet does (`host@1700000000`). */
  nowSeconds: number;
}): ServingCertNames {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const raw of [o.hostname, o.nodeName, ...o.addresses]) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    const list = isIP(name) ? ipAddresses : dnsNames;
    if (!list.includes(name)) list.push(name);
  }
  const host = dnsNames[0] ?? ipAddresses[0] ?? "localhost";
  return { commonName: `${host}@${o.nowSeconds}`, dnsNames, ipAddresses };
}

/** The subjectAltName extension value for openssl (`DNS:a,IP:1.2.3.4`). */
export function subjectAltName(names: ServingCertNames): string {
  return [...names.dnsNames.map((d) => `DNS:${d}`), ...names.ipAddresses.map((ip) => `IP:${ip}`)].join(",");
}
