// Kubernetes resource quantities ("100m", "1.5Gi", "129e6"), parsed exactly.
// A quantity is held as an exact decimal: unscaled * 10^-scale (BigInt, scale >= 0), so binary
// suffixes, fractions and exponents never lose precision. Like upstream, anything finer than one
// nano-unit is rounded up (away from zero) to 1n.

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuantityError";
  }
}

/** How the quantity was written; decides how it prints back (as upstream keeps the format). */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

const FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MESSAGE = "unable to parse quantity's suffix";
/** Guard against "1e999999999" making a gigantic BigInt; far beyond anything meaningful. */
const MAX_EXPONENT = 1000;
const NANO_SCALE = 9;

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

/** Division rounding away from zero (upstream "rounds up" that way for negative values too). */
function divAwayFromZero(num: bigint, den: bigint): bigint {
  const q = num / den;
  if (num % den === 0n) return q;
  return num < 0n ? q - 1n : q + 1n;
}

export class Quantity {
  /** value = unscaled * 10^-scale */
  readonly unscaled: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;

  constructor(unscaled: bigint, scale: number, format: QuantityFormat) {
    let u = unscaled;
    let s = scale;
    if (s > NANO_SCALE) {
      u = divAwayFromZero(u, pow10(s - NANO_SCALE));
      s = NANO_SCALE;
    }
    // normalise trailing zeros away so equal values compare equal structurally
    while (s > 0 && u % TEN === 0n) {
      u /= TEN;
      s--;
    }
    this.unscaled = u;
    this.scale = s;
    this.format = format;
  }

  /** Value scaled by 10^exp (exp may be negative), rounded away from zero. */
  scaledValueBig(exp: number): bigint {
    // value * 10^-exp = unscaled * 10^(-scale-exp)
    const shift = -this.scale - exp;
    if (shift >= 0) return this.unscaled * pow10(shift);
    return divAwayFromZero(this.unscaled, pow10(-shift));
  }

  /** Like upstream Value(): whole units, rounded up (away from zero). */
  valueBig(): bigint {
    return this.scaledValueBig(0);
  }

  /** Like upstream MilliValue(): thousandths, rounded up (away from zero). */
  milliValueBig(): bigint {
    return this.scaledValueBig(-3);
  }

  /** Whole units as a number (exact up to 2^53). */
  value(): number {
    return Number(this.valueBig());
  }

  milliValue(): number {
    return Number(this.milliValueBig());
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** -1, 0, 1 like upstream Cmp. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const s = Math.max(this.scale, other.scale);
    const a = this.unscaled * pow10(s - this.scale);
    const b = other.unscaled * pow10(s - other.scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  add(other: Quantity): Quantity {
    const s = Math.max(this.scale, other.scale);
    const sum = this.unscaled * pow10(s - this.scale) + other.unscaled * pow10(s - other.scale);
    // upstream keeps the receiver's format (zero quantities take the other's)
    return new Quantity(sum, s, this.isZero() ? other.format : this.format);
  }

  toString(): string {
    return formatQuantity(this);
  }
}

/** A zero quantity ("0"). */
export const ZERO_QUANTITY = new Quantity(0n, 0, "DecimalSI");

/**
 * Parses a quantity as the API server does. Numbers are accepted as JSON would carry them.
 * Throws QuantityError with upstream's message for malformed input.
 */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new QuantityError(FORMAT_MESSAGE);
    return parseQuantityString(String(input));
  }
  if (typeof input !== "string") throw new QuantityError(FORMAT_MESSAGE);
  return parseQuantityString(input);
}

/** Like parseQuantity but returns undefined instead of throwing. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== "string" && typeof input !== "number") return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)$/;

function parseQuantityString(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(FORMAT_MESSAGE);
  const m = QUANTITY_RE.exec(str);
  if (!m) throw new QuantityError(FORMAT_MESSAGE);
  const [, signStr = "", intPart = "", fracPart = "", suffixLetters = "", suffixDigits = ""] = m;
  // the number must start with a digit or a '.' (upstream: "[0-9.]+")
  if (intPart === "" && !str.slice(signStr.length).startsWith(".")) throw new QuantityError(FORMAT_MESSAGE);
  const suffix = suffixLetters + suffixDigits;
  let exp10 = 0;
  let exp2 = 0;
  let format: QuantityFormat;
  if (suffix in DECIMAL_SUFFIXES) {
    exp10 = DECIMAL_SUFFIXES[suffix]!;
    format = "DecimalSI";
  } else if (suffix in BINARY_SUFFIXES) {
    exp2 = BINARY_SUFFIXES[suffix]!;
    format = "BinarySI";
  } else if (
    suffix.length > 1 &&
    (suffix[0] === "e" || suffix[0] === "E") &&
    /^[eE][-+]?[0-9]+$/.test(suffix)
  ) {
    exp10 = Number.parseInt(suffix.slice(1), 10);
    if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > MAX_EXPONENT) {
      throw new QuantityError(`quantity exponent out of range: ${suffix}`);
    }
    format = "DecimalExponent";
  } else {
    throw new QuantityError(SUFFIX_MESSAGE);
  }
  const digits = (intPart || "0") + fracPart;
  let unscaled = BigInt(digits);
  let scale = fracPart.length;
  if (signStr === "-") unscaled = -unscaled;
  if (exp2 > 0) unscaled *= 1n << BigInt(exp2);
  if (exp10 >= 0) unscaled *= pow10(exp10);
  else scale -= exp10;
  return new Quantity(unscaled, scale, format);
}

const DECIMAL_SI_LETTERS: [number, string][] = [
  [18, "E"],
  [15, "P"],
  [12, "T"],
  [9, "G"],
  [6, "M"],
  [3, "k"],
  [0, ""],
  [-3, "m"],
  [-6, "u"],
  [-9, "n"],
];
const BINARY_SI_LETTERS = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/**
 * Canonical string as upstream Quantity.String(): keeps the parsed format; BinarySI values below
 * 1024 or not whole fall back to DecimalSI; DecimalSI/DecimalExponent use the largest exponent
 * (multiple of 3) that keeps the mantissa an integer. "1.5Gi" → "1536Mi", "0.1" → "100m".
 */
export function formatQuantity(q: Quantity): string {
  if (q.isZero()) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    const whole = q.scale === 0;
    const abs = q.unscaled < 0n ? -q.unscaled : q.unscaled;
    if (!whole || abs < 1024n) format = "DecimalSI";
  }
  if (format === "BinarySI") {
    let n = q.unscaled;
    let i = 0;
    while (i < BINARY_SI_LETTERS.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      i++;
    }
    return n.toString() + BINARY_SI_LETTERS[i];
  }
  // value = mantissa * 10^exponent with exponent a multiple of 3, as large as keeps it integral
  let mantissa = q.unscaled;
  let exponent = -q.scale;
  // align to a multiple of 3 downward
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= TEN;
    exponent--;
  }
  while (mantissa % 1000n === 0n && mantissa !== 0n) {
    if (format === "DecimalSI" && exponent >= 18) break;
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === "DecimalExponent") {
    return exponent === 0 ? mantissa.toString() : `${mantissa}e${exponent}`;
  }
  const letter = DECIMAL_SI_LETTERS.find(([e]) => e === exponent)?.[1];
  if (letter === undefined) return `${mantissa}e${exponent}`;
  return mantissa.toString() + letter;
}
