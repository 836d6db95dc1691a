/** The cache key of a session: `<keyPrefix>session:<sessionId>`. The one place this format is written. */
export function cacheKey(keyPrefix: string, sessionId: string): string {
  return `${keyPrefix}session:${sessionId}`;
}
