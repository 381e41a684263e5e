// Locating and loading the CRI v1 API definition (k8s.io/cri-api's api.proto). The file is not
// vendored: setup downloads the Go module and records the path; NODELET_CRI_PROTO overrides it.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as protoLoader from "@grpc/proto-loader";

export const protoLoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  // Without defaults, zero-valued enums (SANDBOX_READY, CONTAINER_CREATED) are simply missing.
  defaults: true,
  oneofs: true,
};

export async function resolveCriProtoPath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.NODELET_CRI_PROTO) return env.NODELET_CRI_PROTO;
  const pathFile = join(env.NODELET_CACHE || "/var/cache/nodelet", "cri-api.path");
  let recorded: string;
  try {
    recorded = (await readFile(pathFile, "utf8")).trim();
  } catch {
    throw new Error(
      `CRI API definition not found: set NODELET_CRI_PROTO to api.proto, or run test/setup/setup.sh to write ${pathFile}`,
    );
  }
  if (!recorded) throw new Error(`${pathFile} is empty; set NODELET_CRI_PROTO to the CRI api.proto`);
  return recorded;
}

/** Older cri-api releases import gogoproto options; they change nothing on the wire. */
export function stripGogoOptions(text: string): string {
  return text
    .replace(/^\s*import\s+"github\.com\/gogo\/[^"]*";\s*$/gm, "")
    .replace(/^\s*option\s+\(gogoproto\.[^;]*;\s*$/gm, "")
    .replace(/\s*\[\s*\(gogoproto\.[^\]]*\]/g, "");
}

export async function loadCriPackageDefinition(protoPath: string): Promise<protoLoader.PackageDefinition> {
  const text = await readFile(protoPath, "utf8");
  if (!text.includes("gogoproto")) return protoLoader.load(protoPath, protoLoaderOptions);
  const dir = await mkdtemp(join(tmpdir(), "nodelet-cri-"));
  try {
    const stripped = join(dir, "api.proto");
    await writeFile(stripped, stripGogoOptions(text));
    return await protoLoader.load(stripped, protoLoaderOptions);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
