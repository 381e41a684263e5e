// IPv4 address and CIDR helpers (the proxy programs IPv4 only).

export interface Cidr {
  base: number;
  prefix: number;
  text: string;
}

export function parseIPv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255 || (m[i]!.length > 1 && m[i]!.startsWith("0"))) return null;
    n = n * 256 + part;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== null;
}

export function parseCidr(text: string): Cidr | null {
  const [addr, len, ...rest] = text.split("/");
  if (rest.length > 0 || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return null;
  const ip = parseIPv4(addr);
  const prefix = Number(len);
  if (ip === null || prefix > 32) return null;
  const base = prefix === 0 ? 0 : (ip & maskOf(prefix)) >>> 0;
  return { base, prefix, text: `${formatIPv4(base)}/${prefix}` };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return (ip & maskOf(cidr.prefix)) >>> 0 === cidr.base;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}
