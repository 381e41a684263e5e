// Reads a kubeconfig into what one HTTPS connection to the API server needs. Parsing of the
// clusters/users/contexts entries and exec credential plugins come from @kubernetes/client-node;
// only its light modules are imported (its KubeConfig class pulls in the whole generated API,
// ~80 MiB of RSS, for nothing the node agent uses).
import { readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { dirname, isAbsolute, resolve } from "node:path";
import { newClusters, newContexts, newUsers } from "@kubernetes/client-node/dist/config_types.js";
import type { Cluster, User } from "@kubernetes/client-node/dist/config_types.js";
import { ExecAuth } from "@kubernetes/client-node/dist/exec_auth.js";
import { parse } from "yaml";

export interface ApiConnection {
  /** e.g. https://10.0.0.1:6443 (no trailing slash). */
  server: string;
  tls: {
    ca?: Buffer;
    cert?: Buffer | string;
    key?: Buffer | string;
    rejectUnauthorized: boolean;
    servername?: string;
  };
  /** Headers that authenticate a request right now (a bearer token from a file or an exec plugin). */
  authHeaders(): Promise<Record<string, string>>;
  /** The user's client certificate/key may come from an exec plugin: applied before each connection. */
  refreshCredentials(): Promise<void>;
  /** Description for logs: context, server, user. */
  describe: string;
  /** Absolute paths the client certificate and key were read from (absent when given inline). */
  clientCertFile?: string;
  clientKeyFile?: string;
}

export class KubeconfigError extends Error {}

interface RawUser {
  name?: string;
  user?: { tokenFile?: string; "token-file"?: string };
}

export function loadKubeconfig(path: string): ApiConnection {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== "object") throw new KubeconfigError(`kubeconfig ${path}: not a YAML mapping`);
  const doc = raw as Record<string, unknown>;
  const base = dirname(resolve(path));
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
  let clusters: Cluster[];
  let users: User[];
  let contexts: ReturnType<typeof newContexts>;
  try {
    clusters = newClusters(doc.clusters ?? [], { onInvalidEntry: "throw" });
    users = newUsers(doc.users ?? [], { onInvalidEntry: "throw" });
    contexts = newContexts(doc.contexts ?? [], { onInvalidEntry: "throw" });
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  const current = typeof doc["current-context"] === "string" ? doc["current-context"] : contexts[0]?.name;
  const context = contexts.find((c) => c.name === current);
  if (!context) throw new KubeconfigError(`kubeconfig ${path}: context "${current ?? ""}" not found`);
  const cluster = clusters.find((c) => c.name === context.cluster);
  if (!cluster) throw new KubeconfigError(`kubeconfig ${path}: cluster "${context.cluster}" not found`);
  const user = users.find((u) => u.name === context.user);
  if (context.user && !user)
    throw new KubeconfigError(`kubeconfig ${path}: user "${context.user}" not found`);

  const read = (file: string | undefined, data: string | undefined, what: string): Buffer | undefined => {
    if (data) return Buffer.from(data, "base64");
    const f = abs(file);
    if (!f) return undefined;
    try {
      return readFileSync(f);
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${path}: ${what} ${f}: ${(err as Error).message}`);
    }
  };
  const tls: ApiConnection["tls"] = { rejectUnauthorized: !cluster.skipTLSVerify };
  const ca = read(cluster.caFile, cluster.caData, "certificate-authority");
  if (ca) tls.ca = ca;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  const cert = read(user?.certFile, user?.certData, "client-certificate");
  const key = read(user?.keyFile, user?.keyData, "client-key");
  if (cert) tls.cert = cert;
  if (key) tls.key = key;

  const rawUser = ((doc.users as RawUser[] | undefined) ?? []).find((u) => u.name === context.user)?.user;
  const tokenFile = abs(rawUser?.tokenFile ?? rawUser?.["token-file"]);
  const exec = user && (user.exec || user.authProvider?.config?.exec) ? new ExecAuth() : undefined;
  const server = cluster.server.replace(/\/+$/, "");
  if (!/^https?:\/\//.test(server))
    throw new KubeconfigError(`kubeconfig ${path}: server "${server}" is not a URL`);

  const certFile = user?.certData ? undefined : abs(user?.certFile);
  const keyFile = user?.keyData ? undefined : abs(user?.keyFile);
  return {
    server,
    tls,
    describe: `${server} (context ${context.name}, user ${context.user})`,
    ...(cert && certFile ? { clientCertFile: certFile } : {}),
    ...(key && keyFile ? { clientKeyFile: keyFile } : {}),
    async authHeaders(): Promise<Record<string, string>> {
      if (tokenFile) return { authorization: `Bearer ${readFileSync(tokenFile, "utf8").trim()}` };
      if (user?.token) return { authorization: `Bearer ${user.token}` };
      if (user?.username && user.password) {
        return {
          authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`,
        };
      }
      if (exec && user) {
        const opts: RequestOptions = { headers: {} };
        await exec.applyAuthentication(user, opts);
        const bearer = (opts.headers as Record<string, string> | undefined)?.Authorization;
        if (bearer) return { authorization: bearer };
      }
      return {};
    },
    async refreshCredentials() {
      if (!exec || !user) return;
      const opts: RequestOptions = { headers: {} };
      await exec.applyAuthentication(user, opts);
      if (opts.cert) tls.cert = opts.cert as string;
      if (opts.key) tls.key = opts.key as string;
    },
  };
}
