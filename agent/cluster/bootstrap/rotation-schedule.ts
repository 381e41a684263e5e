// When the client certificate is renewed and how failed renewals are spaced. Pure: times and
// random numbers in, times out.

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** Renewal falls in this share of the lifetime (NotBefore..NotAfter), uniformly. */
export const ROTATION_WINDOW = { from: 0.7, to: 0.9 } as const;

/**
 * The moment to renew a certificate: a point between 70 % and 90 % of its lifetime, picked by
 * random ∈ [0, 1), so that nodes given certificates together do not all renew at once.
 */
export function rotationDeadline(v: Validity, random: number): Date {
  const lifetime = v.notAfter.getTime() - v.notBefore.getTime();
  const share = ROTATION_WINDOW.from + (ROTATION_WINDOW.to - ROTATION_WINDOW.from) * clamp01(random);
  return new Date(v.notBefore.getTime() + lifetime * share);
}

/** How long to wait from now until the deadline; 0 once it has passed. */
export function rotationDelayMs(v: Validity, now: Date, random: number): number {
  return Math.max(0, rotationDeadline(v, random).getTime() - now.getTime());
}

export const RETRY_INITIAL_MS = 2_000;
export const RETRY_MAX_MS = 32_000;

/**
 * The pause after the failures-th failed renewal in a row (1-based): 2 s doubling to 32 s, then
 * 32 s for as long as it keeps failing (client-go's certificate manager), each stretched by up
 * to 10 % (random ∈ [0, 1)) so that nodes failing together spread out.
 */
export function retryDelayMs(failures: number, random: number): number {
  const base = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(base * (1 + 0.1 * clamp01(random)));
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
