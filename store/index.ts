/**
 * The hybrid session store: Valkey cluster as the cache, DynamoDB as the durable store.
 *
 * ```ts
 * const store = await HybridSessionStore.connect(config);
 * const session = await store.create({ user: "ada" }, { ttlSeconds: 600 });
 * await store.get(session.id); // { ..., source: "cache" }
 * ```
 */

export type { SessionCookie } from "./adapters/cookieExpiry";
export {
  type ExpressSessionData,
  ExpressSessionMissingError,
  type ExpressSessionRequest,
  ExpressSessionStore,
} from "./adapters/ExpressSessionStore";
export { type FastifySessionData, FastifySessionStore } from "./adapters/FastifySessionStore";
export type { SessionAdapterOptions, SessionStorePort } from "./adapters/SessionBridge";
export { addressResolverOf, parseAddress } from "./addressResolver";
export type { BreakerOptions, BreakerState } from "./CircuitBreaker";
export { bucketOf, cacheKey, JOURNAL_BUCKETS, journalKey, leaseKey } from "./cacheKey";
export type {
  DurableFailurePolicy,
  DynamoDbConfig,
  HybridSessionStoreConfig,
  NodeAddress,
  ValkeyConfig,
} from "./config";
export { DEFAULT_REGION } from "./config";
export * from "./errors";
export { HybridSessionStore } from "./HybridSessionStore";
export type { LatencySummary } from "./LatencyHistogram";
export type { CreateOptions, JsonValue, Session, SessionSource } from "./Session";
export {
  assertSessionId,
  isValidSessionId,
  newSessionId,
  SESSION_ID_MAX_LENGTH,
  SESSION_ID_MIN_LENGTH,
} from "./SessionId";
export { assertJsonData, assertTtl, DYNAMODB_ITEM_LIMIT_BYTES } from "./SessionRecord";
export type { StoreEvent } from "./StoreEvents";
export type {
  JournalCounters,
  StatsSnapshot,
  StoreCounters,
  StoreName,
  StoreOperation,
} from "./StoreStats";
export { createTableInput, ITEM_ATTRIBUTES, SESSION_TABLE } from "./TableSchema";
