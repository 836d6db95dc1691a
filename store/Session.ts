/** Any value JSON can represent. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Where a session returned by the store was read from. */
export type SessionSource = "cache" | "dynamodb";

export interface Session<T extends JsonValue = JsonValue> {
  /** 22 to 64 base64url characters; the store's own are 24. */
  id: string;
  data: T;
  /** Starts at 1; every update and touch adds 1. */
  version: number;
  /** Epoch milliseconds of the create. */
  createdAt: number;
  /** Epoch milliseconds of the last change of `data`. */
  updatedAt: number;
  /** Integer epoch seconds at which both stores drop the session. */
  expiresAt: number;
  /** The store this copy came from. */
  source: SessionSource;
}

export interface CreateOptions {
  /** Lifetime in seconds, a positive integer. Default: the store's `defaultTtlSeconds`. */
  ttlSeconds?: number;
  /** Use this id instead of a new random one: 22 to 64 base64url characters, at least 128 random bits. */
  sessionId?: string;
}
