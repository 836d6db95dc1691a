/**
 * The cache's key layout, the one place it is written. Each session belongs to one of
 * JOURNAL_BUCKETS buckets; a bucket's hash tag puts the session's entry, its lease and the
 * bucket's journal in one hash slot, so a Lua script can change all three in one atomic step.
 */

/** Buckets of the journal (and hash slots the sessions spread over). */
export const JOURNAL_BUCKETS = 64;

/** The bucket of a session id: FNV-1a of its characters, so every instance agrees. */
export function bucketOf(sessionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % JOURNAL_BUCKETS;
}

const tag = (bucket: number): string => `{b${String(bucket).padStart(2, "0")}}`;

/** The cache entry of a session: `<keyPrefix>{bNN}s:<sessionId>`; it holds the exact payload. */
export function cacheKey(keyPrefix: string, sessionId: string): string {
  return `${keyPrefix}${tag(bucketOf(sessionId))}s:${sessionId}`;
}

/** The entry's lease: while it exists, the entry may be served without asking DynamoDB. */
export function leaseKey(keyPrefix: string, sessionId: string): string {
  return `${keyPrefix}${tag(bucketOf(sessionId))}l:${sessionId}`;
}

/** A bucket's journal: a hash of session id to the write DynamoDB has not taken yet. */
export function journalKey(keyPrefix: string, bucket: number): string {
  return `${keyPrefix}${tag(bucket)}j`;
}
