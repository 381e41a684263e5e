// The kubelet API's serving certificate: the configured files (tlsCertFile/tlsPrivateKeyFile), or a
// self-signed one generated once into <rootDir>/pki/kubelet.{crt,key} and reused afterwards, as the
// kubelet does when it is given none.
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ServingCertNames, subjectAltName } from "./serving-cert-names.ts";

const run = promisify(execFile);

export interface ServingCert {
  cert: Buffer;
  key: Buffer;
  /** Where it came from, for logs. */
  certFile: string;
  generated: boolean;
}

export interface ServingCertOptions {
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  pkiDir: string;
  names: () => ServingCertNames;
}

export async function loadServingCert(o: ServingCertOptions): Promise<ServingCert> {
  if (o.tlsCertFile || o.tlsPrivateKeyFile) {
    if (!o.tlsCertFile || !o.tlsPrivateKeyFile)
      throw new Error("tlsCertFile and tlsPrivateKeyFile must be given together");
    return {
      cert: await readFile(o.tlsCertFile),
      key: await readFile(o.tlsPrivateKeyFile),
      certFile: o.tlsCertFile,
      generated: false,
    };
  }
  const certFile = join(o.pkiDir, "kubelet.crt");
  const keyFile = join(o.pkiDir, "kubelet.key");
  const existing = await Promise.all([readFile(certFile), readFile(keyFile)]).catch(() => undefined);
  if (existing) return { cert: existing[0], key: existing[1], certFile, generated: false };
  await mkdir(o.pkiDir, { recursive: true, mode: 0o700 });
  await generateSelfSigned(certFile, keyFile, o.names());
  return { cert: await readFile(certFile), key: await readFile(keyFile), certFile, generated: true };
}

/** EC P-256 key and a one-year self-signed server certificate, written beside and renamed into place. */
async function generateSelfSigned(certFile: string, keyFile: string, names: ServingCertNames): Promise<void> {
  const tmpCert = `${certFile}.tmp-${process.pid}`;
  const tmpKey = `${keyFile}.tmp-${process.pid}`;
  const san = subjectAltName(names);
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      tmpKey,
      "-out",
      tmpCert,
      "-days",
      "365",
      "-subj",
      `/CN=${names.commonName}`,
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=serverAuth",
      ...(san ? ["-addext", `subjectAltName=${san}`] : []),
    ]);
    await chmod(tmpKey, 0o600);
    // The key first: a certificate without its key is never left in place.
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
  } finally {
    await rm(tmpCert, { force: true });
    await rm(tmpKey, { force: true });
  }
}
