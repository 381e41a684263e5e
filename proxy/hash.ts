// Short stable hashes used to name kernel objects (chains, sets) after Services and endpoints.
import { createHash } from "node:crypto";

/** Base32-ish upper-case hash of `text`, `length` characters, like kube-proxy's chain suffixes. */
export function shortHash(text: string, length = 16): string {
  const digest = createHash("sha256").update(text).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  for (let i = 0; out.length < length; i++) out += alphabet[digest[i]! & 31];
  return out;
}

/** A 32-bit unsigned integer hash of `text` (FNV-1a), for deterministic allocation. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
