// The few ASN.1 DER encodings a PKCS#10 certificate request needs (X.690), plus reading one
// element's boundaries back. Every encoder returns the complete TLV (tag, length, contents).

const TAG = {
  integer: 0x02,
  bitString: 0x03,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, contents: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

export function sequence(...items: Buffer[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(items));
}

/** SET OF: DER wants the elements in ascending byte order. */
export function setOf(...items: Buffer[]): Buffer {
  return tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));
}

/** A non-negative INTEGER, minimal two's complement. */
export function integer(value: number | bigint): Buffer {
  let n = BigInt(value);
  if (n < 0n) throw new RangeError(`negative INTEGER ${n} is not supported`);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  // A set top bit would read as negative.
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.integer, Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form ("1.2.840.10045.4.3.2"). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((a) => {
    if (!/^\d+$/.test(a)) throw new Error(`invalid OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! >= 40n)) {
    throw new Error(`invalid OID ${dotted}`);
  }
  const subIds = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const id of subIds) {
    // Base 128, most significant group first, bit 8 set on all but the last group.
    const groups = [Number(id & 0x7fn)];
    for (let n = id >> 7n; n > 0n; n >>= 7n) groups.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function isPrintableString(s: string): boolean {
  return PRINTABLE.test(s);
}

export function printableString(s: string): Buffer {
  if (!isPrintableString(s)) throw new Error(`"${s}" has characters outside PrintableString`);
  return tlv(TAG.printableString, Buffer.from(s, "ascii"));
}

export function utf8String(s: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(s, "utf8"));
}

/** BIT STRING of whole bytes (no unused bits). */
export function bitString(bytes: Buffer): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), bytes]));
}

/** [n] context-specific, constructed (an IMPLICIT SET OF or EXPLICIT wrapper). */
export function contextConstructed(n: number, ...items: Buffer[]): Buffer {
  if (n < 0 || n > 30) throw new RangeError(`context tag [${n}] needs the long form`);
  return tlv(0xa0 | n, Buffer.concat(items));
}

export interface DerElement {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** The element starting at `offset` (single-byte tags only); throws on truncated input. */
export function readElement(buf: Buffer, offset = 0): DerElement {
  if (offset + 2 > buf.length) throw new Error("DER: truncated element");
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: multi-byte tags are not supported");
  let length = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length encoding");
    if (contentStart + count > buf.length) throw new Error("DER: truncated length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buf.length) throw new Error("DER: element runs past the end of its input");
  return { tag, start: offset, contentStart, end };
}

/** The direct children of a constructed element. */
export function children(buf: Buffer, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const el = readElement(buf, at);
    if (el.end > parent.end) throw new Error("DER: child runs past its parent");
    out.push(el);
    at = el.end;
  }
  return out;
}
