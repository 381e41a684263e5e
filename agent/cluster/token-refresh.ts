// Pure: when a service-account token from TokenRequest is due for a new one (upstream
// pkg/kubelet/token): past 80 % of its requested lifetime, or older than 24 h, minus a jitter of up
// to 10 s so that many pods do not ask at the same moment.

export const MAX_TOKEN_AGE_MS = 24 * 3600 * 1000;
export const MAX_REFRESH_JITTER_MS = 10_000;

export interface IssuedToken {
  /** status.expirationTimestamp, in ms. */
  expiresAtMs: number;
  /** spec.expirationSeconds as the API server answered it (the lifetime it granted). */
  expirationSeconds: number;
}

export function tokenNeedsRefresh(t: IssuedToken, nowMs: number, jitterMs = 0): boolean {
  const ttlMs = t.expirationSeconds * 1000;
  const issuedAtMs = t.expiresAtMs - ttlMs;
  if (nowMs > issuedAtMs + MAX_TOKEN_AGE_MS - jitterMs) return true;
  return nowMs > t.expiresAtMs - ttlMs * 0.2 - jitterMs;
}

/** A cached token may still be handed out (when a refresh fails) until it actually expires. */
export function tokenExpired(t: IssuedToken, nowMs: number): boolean {
  return nowMs >= t.expiresAtMs;
}
