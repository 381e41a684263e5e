// Pure: registry credentials for an image from the pod's imagePullSecrets
// (`kubernetes.io/dockerconfigjson` and the older `kubernetes.io/dockercfg`), matched the way the
// kubelet's credential keyring does (pkg/credentialprovider): the key's host (with `*` / `?`
// globs per dot-separated part) and port must match the image's registry, its path must be a
// prefix of the image's repository; `index.docker.io` keys serve Docker Hub images.
import type { Secret } from "../api/config-objects.ts";
import type { ImageAuth } from "../../cri/runtime.ts";

export const DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson";
export const DOCKER_CFG_TYPE = "kubernetes.io/dockercfg";
const DEFAULT_REGISTRY_HOST = "index.docker.io";

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** One registry key ("host[:port][/path]") with its credentials. */
export interface KeyringEntry {
  key: string;
  auth: ImageAuth;
}

/** The entries of a pull secret, most specific key first; [] for other secret types or bad JSON. */
export function keyringFromSecret(secret: Secret): KeyringEntry[] {
  let entries: Record<string, DockerConfigEntry> | undefined;
  try {
    if (secret.type === DOCKER_CONFIG_JSON_TYPE) {
      const raw = secret.data?.[".dockerconfigjson"];
      entries = raw
        ? (
            JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as {
              auths?: Record<string, DockerConfigEntry>;
            }
          ).auths
        : undefined;
    } else if (secret.type === DOCKER_CFG_TYPE) {
      const raw = secret.data?.[".dockercfg"];
      entries = raw
        ? (JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as Record<string, DockerConfigEntry>)
        : undefined;
    }
  } catch {
    return [];
  }
  const out: KeyringEntry[] = [];
  for (const [location, entry] of Object.entries(entries ?? {})) {
    if (!entry || typeof entry !== "object") continue;
    const key = keyringKey(location);
    if (key !== undefined) out.push({ key, auth: toImageAuth(location, entry) });
  }
  // Reverse lexical order puts "host/longer/path" before "host/path" before "host".
  return out.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
}

/** "https://index.docker.io/v1/" → "index.docker.io"; "reg.example:5000/team" → same. */
export function keyringKey(location: string): string | undefined {
  const withScheme = /^https?:\/\//.test(location) ? location : `https://${location}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  let path = decodeURIComponent(url.pathname);
  if (path.startsWith("/v2/") || path.startsWith("/v1/")) path = path.slice(3);
  return path !== "" && path !== "/" ? `${url.host}${path.replace(/\/+$/, "")}` : url.host;
}

function toImageAuth(location: string, e: DockerConfigEntry): ImageAuth {
  let username = e.username ?? "";
  let password = e.password ?? "";
  if (username === "" && password === "" && e.auth) {
    const decoded = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  return {
    username,
    password,
    serverAddress: location,
    ...(e.identitytoken ? { identityToken: e.identitytoken } : {}),
    ...(e.registrytoken ? { registryToken: e.registrytoken } : {}),
  };
}

/** "busybox:1.36" → "docker.io/library/busybox"; "reg.io:5000/a/b@sha256:…" → "reg.io:5000/a/b". */
export function imageRepository(image: string): string {
  let name = image;
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split("/")[0]!;
  const hasDomain =
    name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasDomain) return `docker.io/${name.includes("/") ? name : `library/${name}`}`;
  if (first === DEFAULT_REGISTRY_HOST) return `docker.io${name.slice(first.length)}`;
  return name;
}

function isDockerHub(repo: string): boolean {
  return repo.startsWith("docker.io/");
}

function globMatch(glob: string, s: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${re}$`).test(s);
}

function splitHostPath(s: string): { host: string; port: string; path: string } {
  const slash = s.indexOf("/");
  const hostPort = slash >= 0 ? s.slice(0, slash) : s;
  const path = slash >= 0 ? s.slice(slash) : "";
  const colon = hostPort.lastIndexOf(":");
  return colon >= 0
    ? { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1), path }
    : { host: hostPort, port: "", path };
}

/** Whether a keyring key covers an image repository (upstream URLsMatch). */
export function keyMatches(key: string, repo: string): boolean {
  const k = splitHostPath(key);
  const r = splitHostPath(repo);
  if (k.port !== r.port) return false;
  const kParts = k.host.split(".");
  const rParts = r.host.split(".");
  if (kParts.length !== rParts.length) return false;
  if (!kParts.every((p, i) => globMatch(p, rParts[i]!))) return false;
  return r.path.startsWith(k.path);
}

/**
 * The credentials to try, in order, for pulling `image`: each pull secret in turn gives its
 * matching entries (for a Docker Hub image with none, its index.docker.io entry). [] → anonymous.
 */
export function credentialsForImage(image: string, keyrings: readonly KeyringEntry[][]): ImageAuth[] {
  const repo = imageRepository(image);
  const out: ImageAuth[] = [];
  for (const ring of keyrings) {
    let matches = ring.filter((e) => keyMatches(e.key, repo));
    if (matches.length === 0 && isDockerHub(repo))
      matches = ring.filter((e) => e.key === DEFAULT_REGISTRY_HOST);
    for (const e of matches) out.push(e.auth);
  }
  return out;
}
