import { decodePayload } from "../store/SessionRecord";

/**
 * Where a copy of a session stands in the store's total order: a later incarnation (createdAt)
 * wins over anything earlier; within one, the higher version; at equal version the greater
 * payload string, which is how the store resolves writes made on two sides of a partition.
 */
export interface SessionKey {
  /** Epoch milliseconds of the create. */
  readonly createdAt: number;
  readonly version: number;
  readonly payload: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  readonly dataJson: string;
}

/** Negative when `a` is older than `b`, zero for the same copy, positive when newer. */
export function compareKeys(a: SessionKey, b: SessionKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.payload === b.payload) return 0;
  return a.payload < b.payload ? -1 : 1;
}

/** The key of bytes a store holds; undefined for a tombstone or bytes that are not a record. */
export function keyOfPayload(payload: string): SessionKey | undefined {
  try {
    const session = decodePayload(payload, "dynamodb");
    if (!session) return undefined;
    const { createdAt, version, expiresAt, data } = session;
    if (typeof createdAt !== "number" || typeof version !== "number") return undefined;
    return { createdAt, version, payload, expiresAt, dataJson: JSON.stringify(data) };
  } catch {
    return undefined;
  }
}
