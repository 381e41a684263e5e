// Certificates with chosen validity dates (an expired one, a 20-second one), from openssl: `x509`
// only counts days forward from now, `ca` takes explicit dates but wants a database and a config.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface DatedCert {
  certPem: string;
  /** PKCS#8 PEM of the ECDSA P-256 key. */
  keyPem: string;
}

/** A Date as openssl's certificate dates want it: "20200101000000Z". */
export function opensslDate(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

interface CaSigning {
  /** The request (PEM) to sign. */
  requestPem: string;
  /** from/to as openssl dates. */
  from: string;
  to: string;
  /** The CA's key; with caCertFile absent the request signs itself (-selfsign). */
  caKeyFile: string;
  caCertFile?: string;
  /** An extension section's lines ("keyUsage=critical,digitalSignature"). */
  extensions?: string;
}

/** `openssl ca` in a scratch directory holding its database, serial and config. */
async function opensslCa(dir: string, o: CaSigning): Promise<string> {
  const f = (name: string) => join(dir, name);
  await writeFile(f("ca-req.csr"), o.requestPem);
  await writeFile(f("index.txt"), "");
  await writeFile(f("serial"), `01${randomBytes(7).toString("hex")}\n`);
  await writeFile(
    f("ca.cnf"),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${f("index.txt")}\nnew_certs_dir=${dir}\nserial=${f("serial")}\n` +
      "default_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\norganizationName=optional\n",
  );
  const args = ["ca", "-batch", "-config", f("ca.cnf"), "-keyfile", o.caKeyFile];
  args.push(...(o.caCertFile ? ["-cert", o.caCertFile] : ["-selfsign"]));
  if (o.extensions) {
    await writeFile(f("ext.cnf"), `[ext]\n${o.extensions}\n`);
    args.push("-extfile", f("ext.cnf"), "-extensions", "ext");
  }
  args.push("-in", f("ca-req.csr"), "-startdate", o.from, "-enddate", o.to);
  args.push("-preserveDN", "-notext", "-out", f("ca-cert.pem"));
  await run("openssl", args);
  return readFile(f("ca-cert.pem"), "utf8");
}

/** from/to as openssl dates: "20200101000000Z". subject like "/O=system:nodes/CN=system:node:n". */
export async function datedSelfSignedCert(subject: string, from: string, to: string): Promise<DatedCert> {
  const dir = await mkdtemp(join(tmpdir(), "nodelet-dated-cert-"));
  const f = (name: string) => join(dir, name);
  try {
    await run("openssl", [
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-out",
      f("key.pem"),
    ]);
    await run("openssl", ["req", "-new", "-key", f("key.pem"), "-subj", subject, "-out", f("req.csr")]);
    const certPem = await opensslCa(dir, {
      requestPem: await readFile(f("req.csr"), "utf8"),
      from,
      to,
      caKeyFile: f("key.pem"),
    });
    return { certPem, keyPem: await readFile(f("key.pem"), "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A request (PEM) signed by a CA for exactly from..to; returns the certificate PEM. */
export async function signWithCaForDates(
  o: Required<Pick<CaSigning, "caCertFile">> & Omit<CaSigning, "from" | "to"> & { from: Date; to: Date },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nodelet-ca-sign-"));
  try {
    return await opensslCa(dir, { ...o, from: opensslDate(o.from), to: opensslDate(o.to) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
