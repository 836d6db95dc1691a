import type { BreakerOptions } from "./CircuitBreaker";
import { SESSION_TABLE } from "./TableSchema";

/** A Valkey node address. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** How the store reaches the Valkey cluster. */
export interface ValkeyConfig {
  /** Seed nodes (or the cluster configuration endpoint); the client discovers the rest. */
  addresses: NodeAddress[];
  /**
   * Plain-data address translation: `"host:port"` as the cluster announces a node, to `"host:port"`
   * to connect to instead (e.g. a fault proxy in front of that node). Addresses not listed are used as
   * they are. Applied before `addressResolver`.
   */
  addressMap?: Record<string, string>;
  /** Address translation as a function, for what `addressMap` cannot express. */
  addressResolver?: (host: string, port: number) => [string, number];
  /** Request timeout in milliseconds: how long one cache command may take. Default: 250. */
  requestTimeoutMs?: number;
  /** Connection timeout in milliseconds for each node connection. Default: 1000. */
  connectTimeoutMs?: number;
  /** Use TLS to reach the nodes. Default: false. */
  useTls?: boolean;
  /** Client name shown by `CLIENT LIST` on every node. Default: "hybrid-session-store". */
  clientName?: string;
  /**
   * The store's own breaker in front of the cache, so an unreachable or slow cache costs one fast
   * failure per call instead of a timeout. Defaults: 3 consecutive failures, open for 1000 ms.
   */
  breaker?: BreakerOptions;
}

/**
 * What a write does when DynamoDB fails.
 * - "journal" (default): keep the service available. The write is acknowledged once it is in the
 *   cache and in a replay journal in Valkey; the journal is replayed into DynamoDB when it answers.
 * - "reject": fail the write with StoreUnavailableError; nothing is acknowledged without DynamoDB.
 */
export type DurableFailurePolicy = "journal" | "reject";

/** How the store reaches DynamoDB. */
export interface DynamoDbConfig {
  /** AWS region. Default: "ap-northeast-1". */
  region?: string;
  /** Endpoint URL, for DynamoDB Local or a proxy. Default: the region's public endpoint. */
  endpoint?: string;
  /** Static credentials; when absent the AWS SDK's default provider chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Timeout in milliseconds for one HTTP request (one attempt). Default: 1000. */
  requestTimeoutMs?: number;
  /** Timeout in milliseconds to open a connection. Default: 500. */
  connectTimeoutMs?: number;
  /** Attempts per operation, the first included. Default: 2. */
  maxAttempts?: number;
  // Every call answers within connectTimeoutMs + maxAttempts × requestTimeoutMs, whatever the network.
}

/** Everything `HybridSessionStore.connect` needs. Plain JSON except `valkey.addressResolver`. */
export interface HybridSessionStoreConfig {
  valkey: ValkeyConfig;
  dynamodb: DynamoDbConfig;
  /** DynamoDB table name. Default: "session-store". */
  tableName?: string;
  /** Prefix of every cache key (see cacheKey.ts for the layout). Default: "". */
  keyPrefix?: string;
  /** Lifetime in seconds of a session created or touched without an explicit TTL. Default: 1800. */
  defaultTtlSeconds?: number;
  /** What a write does when DynamoDB fails. Default: "journal". */
  durableFailurePolicy?: DurableFailurePolicy;
  /** Milliseconds between background attempts to replay the journal and repair the cache. Default: 250. */
  maintenanceIntervalMs?: number;
  /**
   * Sessions whose cache entry may be stale (written to DynamoDB while the cache was unreachable)
   * are remembered until repaired, up to this many; beyond it, every read bypasses the cache.
   * Default: 100000.
   */
  maxPendingRepairs?: number;
  /**
   * Milliseconds a cache entry may be served after it was written or checked against DynamoDB;
   * then the next read asks DynamoDB first. This bounds how stale a read can be when a write
   * reached DynamoDB but not the cache (another app server cut off from it, say), and costs one
   * DynamoDB read per session read at least once per lease. Default: 30000.
   */
  cacheLeaseMs?: number;
  /**
   * Milliseconds a journalled write waits for a replica of its cache shard to have it (WAIT);
   * without one it is reported as OutcomeUnknownError, never as acknowledged. A replica resyncing
   * after a failover can take a while to answer. Default: 1000.
   */
  journalReplicaTimeoutMs?: number;
  /** Milliseconds between two looks at every bucket of the shared journal. Default: 1000. */
  journalScanIntervalMs?: number;
  /** The store's clock, in epoch milliseconds: creation, change and expiry times. Default: Date.now. */
  clock?: () => number;
}

/** The configuration with every default applied. */
export interface ResolvedConfig {
  valkey: Required<Omit<ValkeyConfig, "addressResolver" | "addressMap" | "breaker">> &
    Pick<ValkeyConfig, "addressResolver" | "addressMap" | "breaker">;
  dynamodb: Required<Omit<DynamoDbConfig, "endpoint" | "credentials">> &
    Pick<DynamoDbConfig, "endpoint" | "credentials">;
  tableName: string;
  keyPrefix: string;
  defaultTtlSeconds: number;
  durableFailurePolicy: DurableFailurePolicy;
  maintenanceIntervalMs: number;
  maxPendingRepairs: number;
  cacheLeaseMs: number;
  journalReplicaTimeoutMs: number;
  journalScanIntervalMs: number;
  clock: () => number;
}

export const DEFAULT_REGION = "ap-northeast-1";

/** Conditional writes retried on a concurrent change before ConcurrentUpdateError. */
export const MAX_WRITE_ATTEMPTS = 5;

export function resolveConfig(config: HybridSessionStoreConfig): ResolvedConfig {
  return {
    valkey: {
      requestTimeoutMs: 250,
      connectTimeoutMs: 1000,
      useTls: false,
      clientName: "hybrid-session-store",
      ...config.valkey,
    },
    dynamodb: {
      region: DEFAULT_REGION,
      requestTimeoutMs: 1000,
      connectTimeoutMs: 500,
      maxAttempts: 2,
      ...config.dynamodb,
    },
    tableName: config.tableName ?? SESSION_TABLE.tableName,
    keyPrefix: config.keyPrefix ?? "",
    defaultTtlSeconds: config.defaultTtlSeconds ?? 1800,
    durableFailurePolicy: config.durableFailurePolicy ?? "journal",
    maintenanceIntervalMs: config.maintenanceIntervalMs ?? 250,
    maxPendingRepairs: config.maxPendingRepairs ?? 100_000,
    cacheLeaseMs: config.cacheLeaseMs ?? 30_000,
    journalReplicaTimeoutMs: config.journalReplicaTimeoutMs ?? 1000,
    journalScanIntervalMs: config.journalScanIntervalMs ?? 1000,
    clock: config.clock ?? Date.now,
  };
}
