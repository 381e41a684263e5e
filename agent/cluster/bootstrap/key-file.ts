// The private key a pending certificate request was made with, kept in a file of its own until
// the certificate arrives: a restart while waiting reuses it, so it finds its CSR again (same key,
// same digested name) instead of filing a second one.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-file.ts";

export interface PendingKey {
  key: KeyObject;
  /** SEC1 PEM ("EC PRIVATE KEY"), as written next to the certificate. */
  pem: string;
  /** Loaded from an earlier attempt (false: generated now). */
  reused: boolean;
}

function usableP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
}

/**
 * The key in path, or a new ECDSA P-256 key written there (0600). A file that is not a P-256
 * private key is replaced; onReplaced tells why.
 */
export async function loadOrGenerateKey(
  path: string,
  onReplaced: (why: string) => void = () => {},
): Promise<PendingKey> {
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (text !== undefined) {
    try {
      const key = createPrivateKey(text);
      if (usableP256(key))
        return { key, pem: key.export({ type: "sec1", format: "pem" }).toString(), reused: true };
      onReplaced(`${path} holds a ${key.asymmetricKeyType} key, not ECDSA P-256`);
    } catch (err) {
      onReplaced(`${path}: ${(err as Error).message}`);
    }
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pem = privateKey.export({ type: "sec1", format: "pem" }).toString();
  await writeFileAtomic(path, pem, 0o600);
  return { key: privateKey, pem, reused: false };
}
