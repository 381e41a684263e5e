// Client certificate authentication: a certificate the TLS handshake verified against the client CA
// names the user (CN) and the groups (every O), as for the API server itself.
import type { TLSSocket } from "node:tls";
import { type UserInfo, withAuthenticatedGroup } from "./user-info.ts";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

/** The parts of a peer certificate (tls `getPeerCertificate()`) the user comes from. */
export interface ClientCertificateFields {
  subject?: Record<string, string | string[] | undefined>;
  /** Extended key usage OIDs; absent when the certificate does not restrict its use. */
  ext_key_usage?: string[];
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** The user a verified certificate names; undefined if it is not for client authentication or has no CN. */
export function userFromClientCertificate(cert: ClientCertificateFields): UserInfo | undefined {
  const eku = cert.ext_key_usage;
  if (eku !== undefined && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EXTENDED_KEY_USAGE))
    return undefined;
  const username = list(cert.subject?.CN)[0];
  if (!username) return undefined;
  return withAuthenticatedGroup({ username, groups: list(cert.subject?.O) });
}

/** The user of the connection's client certificate, when the handshake verified one. */
export function authenticateClientCertificate(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  return userFromClientCertificate(cert as unknown as ClientCertificateFields);
}
