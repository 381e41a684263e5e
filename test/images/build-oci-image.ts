// Packs a root filesystem directory into a single-layer OCI image layout tarball that
// `ctr images import` accepts. No registry involved.
//
//   node test/images/build-oci-image.ts --rootfs DIR --out FILE.tar --ref REF [--ref REF2]
//        [--entrypoint '["/pause"]'] [--cmd '["sh"]']
//
// The layer is reproducible (sorted entries, owner 0, mtime 0, gzip without timestamp),
// so the same inputs always give the same image digest.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ImageSpec {
  rootfs: string;
  out: string;
  refs: string[];
  entrypoint?: string[];
  cmd?: string[];
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

function sha256(data: Buffer): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

function run(argv: string[]): Buffer {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr?.toString() ?? ""}`);
  }
  return r.stdout;
}

function layerTar(rootfs: string): Buffer {
  const entries = readdirSync(rootfs).sort();
  return run([
    "tar",
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "--format=gnu",
    "-C",
    rootfs,
    "-cf",
    "-",
    ...entries,
  ]);
}

/** The tag part of a reference ("registry.k8s.io/pause:3.9" -> "3.9"). */
function tagOf(ref: string): string {
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", lastSlash + 1);
  return colon < 0 ? "latest" : ref.slice(colon + 1);
}

export function buildOciImage(spec: ImageSpec): void {
  const stage = mkdtempSync(join(tmpdir(), "nodelet-oci-"));
  try {
    const blobs = join(stage, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    const writeBlob = (data: Buffer): string => {
      const digest = sha256(data);
      writeFileSync(join(blobs, digest.slice("sha256:".length)), data);
      return digest;
    };

    const tar = layerTar(spec.rootfs);
    const gz = gzipSync(tar, { level: 9 });
    const layer: Descriptor = {
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: writeBlob(gz),
      size: gz.length,
    };

    const imageConfig: Record<string, unknown> = { Env: [`PATH=${DEFAULT_PATH}`] };
    if (spec.entrypoint) imageConfig["Entrypoint"] = spec.entrypoint;
    if (spec.cmd) imageConfig["Cmd"] = spec.cmd;
    const config = Buffer.from(
      JSON.stringify({
        created: "1970-01-01T00:00:00Z",
        architecture: "amd64",
        os: "linux",
        config: imageConfig,
        rootfs: { type: "layers", diff_ids: [sha256(tar)] },
        history: [{ created: "1970-01-01T00:00:00Z", created_by: "nodelet test/images/build-oci-image.ts" }],
      }),
    );
    const configDesc: Descriptor = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: writeBlob(config),
      size: config.length,
    };

    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: configDesc,
        layers: [layer],
      }),
    );
    const manifestDigest = writeBlob(manifest);

    // One index entry per reference: containerd names each imported image after the
    // io.containerd.image.name annotation of its entry.
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: spec.refs.map(
        (ref): Descriptor => ({
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          platform: { architecture: "amd64", os: "linux" },
          annotations: {
            "io.containerd.image.name": ref,
            "org.opencontainers.image.ref.name": tagOf(ref),
          },
        }),
      ),
    };
    writeFileSync(join(stage, "index.json"), JSON.stringify(index));
    writeFileSync(join(stage, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));

    const tmpOut = `${spec.out}.tmp`;
    run([
      "tar",
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      "-C",
      stage,
      "-cf",
      tmpOut,
      "oci-layout",
      "index.json",
      "blobs",
    ]);
    run(["mv", "-f", tmpOut, spec.out]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function parseJsonArray(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string")) {
    throw new Error(`${flag} must be a JSON array of strings`);
  }
  return parsed as string[];
}

function main(): void {
  const { values } = parseArgs({
    options: {
      rootfs: { type: "string" },
      out: { type: "string" },
      ref: { type: "string", multiple: true },
      entrypoint: { type: "string" },
      cmd: { type: "string" },
    },
  });
  if (!values.rootfs || !values.out || !values.ref?.length) {
    throw new Error(
      "usage: build-oci-image.ts --rootfs DIR --out FILE --ref REF [--entrypoint JSON] [--cmd JSON]",
    );
  }
  const spec: ImageSpec = { rootfs: values.rootfs, out: values.out, refs: values.ref };
  const entrypoint = parseJsonArray("--entrypoint", values.entrypoint);
  const cmd = parseJsonArray("--cmd", values.cmd);
  if (entrypoint) spec.entrypoint = entrypoint;
  if (cmd) spec.cmd = cmd;
  buildOciImage(spec);
}

if (import.meta.main) main();
