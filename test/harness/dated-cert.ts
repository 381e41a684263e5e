// A self-signed certificate with chosen validity dates (an expired one, say), from openssl: `x509`
// only counts days forward from now, `ca` takes explicit dates but wants a database and a config.
import { execFile } from "node:child_process";
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
    await writeFile(f("index.txt"), "");
    await writeFile(f("serial"), "01\n");
    await writeFile(
      f("ca.cnf"),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=${f("index.txt")}\nnew_certs_dir=${dir}\nserial=${f("serial")}\n` +
        "default_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\norganizationName=optional\n",
    );
    await run("openssl", [
      "ca",
      "-batch",
      "-config",
      f("ca.cnf"),
      "-selfsign",
      "-keyfile",
      f("key.pem"),
      "-in",
      f("req.csr"),
      "-startdate",
      from,
      "-enddate",
      to,
      "-notext",
      "-out",
      f("cert.pem"),
    ]);
    return { certPem: await readFile(f("cert.pem"), "utf8"), keyPem: await readFile(f("key.pem"), "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
