/** The cookie fields both frameworks keep in a session: its expiry, null for a browser-session cookie. */
export interface SessionCookie {
  expires?: Date | string | null | undefined;
}

/** The absolute expiry of a session's cookie in epoch milliseconds; null when the cookie has none. */
export function cookieExpiryMs(cookie: SessionCookie | null | undefined): number | null {
  const expires = cookie?.expires;
  if (expires === null || expires === undefined) return null;
  const ms = expires instanceof Date ? expires.getTime() : Date.parse(expires);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The TTL to give the store so that it expires the session at the cookie's expiry rounded up to
 * the whole second: the store computes `ceil(now / 1000) + ttl` (see `expiryFrom`), so the TTL is
 * that second minus the current one. Null when that second has already begun: the session is over.
 */
export function ttlUntil(expiresMs: number, nowMs: number): number | null {
  const ttl = Math.ceil(expiresMs / 1000) - Math.ceil(nowMs / 1000);
  return ttl > 0 ? ttl : null;
}
