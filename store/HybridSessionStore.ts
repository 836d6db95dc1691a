import { type HybridSessionStoreConfig, type ResolvedConfig, resolveConfig } from "./config";
import { type DurableItem, DynamoDurable } from "./DynamoDurable";
import {
  ConcurrentUpdateError,
  SessionExistsError,
  SessionNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
} from "./errors";
import type { CreateOptions, JsonValue, Session } from "./Session";
import { assertSessionId, newSessionId } from "./SessionId";
import {
  assertJsonData,
  assertStorable,
  assertTtl,
  decodePayload,
  encodeRecord,
  encodeTombstone,
  expiryFrom,
  recordOf,
  type SessionRecord,
} from "./SessionRecord";
import { SingleFlight } from "./SingleFlight";
import { type Operation, type StatsSnapshot, StoreStats } from "./StoreStats";
import { ValkeyCache } from "./ValkeyCache";

/** Conditional writes retried on a concurrent change before ConcurrentUpdateError. */
const MAX_WRITE_ATTEMPTS = 5;

type CacheLookup =
  | { state: "hit"; session: Session | null }
  | { state: "miss" }
  | { state: "error"; error: unknown };

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A session store with Valkey as the cache and DynamoDB as the durable store.
 *
 * Writes go to both stores at once and are acknowledged when DynamoDB has them; reads try the cache
 * first and fall back to DynamoDB, restoring the cache with the same absolute expiry. Each cache
 * entry is the exact payload DynamoDB holds for that version, and a newer version is never
 * overwritten by an older one.
 */
export class HybridSessionStore {
  private readonly flights = new SingleFlight<Session | null>();
  private closed = false;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly cache: ValkeyCache,
    private readonly durable: DynamoDurable,
    private readonly counters: StoreStats,
  ) {}

  /**
   * Builds a store from its configuration. Resolves even when the cache cannot be reached yet:
   * the store then serves from DynamoDB and connects to the cache when it answers.
   */
  static async connect(config: HybridSessionStoreConfig): Promise<HybridSessionStore> {
    const resolved = resolveConfig(config);
    assertTtl(resolved.defaultTtlSeconds);
    const stats = new StoreStats();
    const cache = new ValkeyCache(resolved.valkey, stats);
    const store = new HybridSessionStore(
      resolved,
      cache,
      new DynamoDurable(resolved, stats),
      stats,
    );
    await cache.warmUp();
    return store;
  }

  /** Creates a session in both stores at once; acknowledged once DynamoDB holds it. */
  create<T extends JsonValue>(data: T, options: CreateOptions = {}): Promise<Session<T>> {
    return this.timed("create", async () => {
      const ttl = options.ttlSeconds ?? this.config.defaultTtlSeconds;
      assertTtl(ttl);
      if (options.sessionId !== undefined) assertSessionId(options.sessionId);
      assertJsonData(data);
      const now = Date.now();
      const id = options.sessionId ?? newSessionId();
      const record = encodeRecord(
        { id, version: 1, createdAt: now, updatedAt: now, expiresAt: expiryFrom(now, ttl) },
        data,
      );
      assertStorable(record);

      const [durable, cached] = await Promise.allSettled([
        this.durable.putNew(record, Math.floor(now / 1000)),
        this.cache.setIfNewer(this.key(id), record.payload, record.expiresAt),
      ]);
      if (durable.status === "rejected" || !durable.value) {
        if (cached.status === "fulfilled" && cached.value)
          await this.forgetCached(id, record.payload);
        if (durable.status === "fulfilled") throw new SessionExistsError(id);
        throw this.durableFailure(durable.reason, cached.status === "rejected");
      }
      this.counters.count("dynamodb", "writes");
      this.countCacheWrite(cached);
      this.flights.forget(id);
      return this.sessionOf(record) as Session<T>;
    });
  }

  /** The live session with this id, or null. Cache first; DynamoDB (and a cache restore) on a miss. */
  get(id: string): Promise<Session | null> {
    return this.timed("get", async () => {
      assertSessionId(id);
      const cached = await this.lookupCache(id);
      if (cached.state === "hit") return cached.session;
      if (cached.state === "error") this.counters.count("cache", "fallbacks");
      return this.flights.run(id, () => this.loadFromDurable(id, cached.state === "error"));
    });
  }

  /** Replaces the data of a live session, keeping its expiry. Throws SessionNotFoundError if none. */
  update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    return this.timed("update", async () => {
      assertSessionId(id);
      assertJsonData(data);
      const updated = await this.mutate(id, (current, now) =>
        encodeRecord(
          {
            id,
            version: current.version + 1,
            createdAt: current.createdAt,
            updatedAt: now,
            expiresAt: current.expiresAt,
          },
          data,
        ),
      );
      if (!updated) throw new SessionNotFoundError(id);
      return updated as Session<T>;
    });
  }

  /** Extends a live session to expire `ttlSeconds` from now (default TTL if omitted); null if none. */
  touch(id: string, ttlSeconds?: number): Promise<Session | null> {
    return this.timed("touch", async () => {
      assertSessionId(id);
      const ttl = ttlSeconds ?? this.config.defaultTtlSeconds;
      assertTtl(ttl);
      return this.mutate(id, (current, now) =>
        encodeRecord(
          {
            id,
            version: current.version + 1,
            createdAt: current.createdAt,
            updatedAt: current.updatedAt,
            expiresAt: expiryFrom(now, ttl),
          },
          current.data,
        ),
      );
    });
  }

  /** Removes the session from both stores; true when a live session was removed. */
  delete(id: string): Promise<boolean> {
    return this.timed("delete", async () => {
      assertSessionId(id);
      let old: DurableItem | null;
      try {
        old = await this.durable.delete(id);
      } catch (error) {
        throw this.durableFailure(error, false);
      }
      const now = nowSeconds();
      const live = old !== null && old.expiresAt > now;
      if (old) this.counters.count("dynamodb", "writes");
      const oldSession = old && live ? decodePayload(old.payload, "dynamodb") : null;
      // A tombstone until the old expiry keeps a read that began before the delete from restoring it.
      const cacheWrite = oldSession
        ? this.cache.setIfNewer(
            this.key(id),
            encodeTombstone(recordOf(oldSession, "")),
            oldSession.expiresAt,
          )
        : this.cache.delete(this.key(id));
      this.countCacheWrite(await settle(cacheWrite));
      this.flights.forget(id);
      return live;
    });
  }

  /** Counters per store and latency percentiles, in fixed memory. */
  stats(): StatsSnapshot {
    return this.counters.snapshot();
  }

  /** Zeroes every counter and histogram. */
  resetStats(): void {
    this.counters.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cache.close();
    this.durable.close();
  }

  private key(id: string): string {
    return `${this.config.keyPrefix}session:${id}`;
  }

  private async timed<T>(op: Operation, run: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.counters.recordOperation(op, performance.now() - started);
    }
  }

  private async lookupCache(id: string): Promise<CacheLookup> {
    this.counters.count("cache", "reads");
    let payload: string | null;
    try {
      payload = await this.cache.get(this.key(id));
    } catch (error) {
      return { state: "error", error };
    }
    if (payload === null) {
      this.counters.count("cache", "misses");
      return { state: "miss" };
    }
    this.counters.count("cache", "hits");
    const session = decodePayload(payload, "cache");
    // The cache expires entries by its own clock; never hand out what our clock says has expired.
    return { state: "hit", session: session && session.expiresAt > nowSeconds() ? session : null };
  }

  private async loadFromDurable(id: string, cacheFailed: boolean): Promise<Session | null> {
    const item = await this.readDurable(id, cacheFailed);
    if (!item) return null;
    const session = decodePayload(item.payload, "dynamodb");
    if (session && !cacheFailed) {
      const restored = await settle(
        this.cache.setIfNewer(this.key(id), item.payload, item.expiresAt),
      );
      if (restored.status === "fulfilled" && restored.value)
        this.counters.count("cache", "restores");
    }
    return session;
  }

  /** A consistent read of a live item; null when absent or expired. */
  private async readDurable(id: string, cacheFailed: boolean): Promise<DurableItem | null> {
    this.counters.count("dynamodb", "reads");
    let item: DurableItem | null;
    try {
      item = await this.durable.get(id);
    } catch (error) {
      throw this.durableFailure(error, cacheFailed);
    }
    if (!item || item.expiresAt <= nowSeconds()) {
      this.counters.count("dynamodb", "misses");
      return null;
    }
    this.counters.count("dynamodb", "hits");
    return item;
  }

  /**
   * Applies `change` to the current version with a conditional write, re-reading DynamoDB and
   * retrying when another writer got there first. Null when there is no live session.
   */
  private async mutate(
    id: string,
    change: (current: Session, nowMs: number) => SessionRecord,
  ): Promise<Session | null> {
    let current = await this.currentForWrite(id);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (!current) return null;
      const now = Date.now();
      const record = change(current, now);
      assertStorable(record);
      let written: boolean;
      try {
        written = await this.durable.replace(record, current.version, Math.floor(now / 1000));
      } catch (error) {
        throw this.durableFailure(error, false);
      }
      if (written) {
        this.counters.count("dynamodb", "writes");
        this.countCacheWrite(
          await settle(this.cache.setIfNewer(this.key(id), record.payload, record.expiresAt)),
        );
        this.flights.forget(id);
        return this.sessionOf(record);
      }
      const item = await this.readDurable(id, false);
      current = item ? decodePayload(item.payload, "dynamodb") : null;
    }
    throw new ConcurrentUpdateError(id);
  }

  /** The version to base a write on: the cache's copy as a guess (the write checks it), else DynamoDB's. */
  private async currentForWrite(id: string): Promise<Session | null> {
    const cached = await this.lookupCache(id);
    if (cached.state === "hit" && cached.session) return cached.session;
    const item = await this.readDurable(id, cached.state === "error");
    return item ? decodePayload(item.payload, "dynamodb") : null;
  }

  private countCacheWrite(result: PromiseSettledResult<boolean>): void {
    if (result.status === "fulfilled") {
      if (result.value) this.counters.count("cache", "writes");
    } else {
      this.counters.count("cache", "fallbacks");
    }
  }

  /** Undoes a cache write whose durable write failed, so nothing unacknowledged stays readable. */
  private async forgetCached(id: string, payload: string): Promise<void> {
    await settle(this.cache.deleteIfEqual(this.key(id), payload));
  }

  private durableFailure(cause: unknown, cacheFailed: boolean): StoreUnavailableError {
    return cacheFailed
      ? new StoreUnavailableError("both", "neither the cache nor DynamoDB answered", { cause })
      : new StoreUnavailableError("dynamodb", "DynamoDB did not answer; nothing was written", {
          cause,
        });
  }

  private sessionOf(record: SessionRecord): Session {
    const session = decodePayload(record.payload, "dynamodb");
    if (!session) throw new Error("a session record decoded as a tombstone");
    return session;
  }
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return Promise.allSettled([promise]).then(([result]) => result as PromiseSettledResult<T>);
}
