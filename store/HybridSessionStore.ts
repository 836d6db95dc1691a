import { CacheRepairs } from "./CacheRepairs";
import {
  type HybridSessionStoreConfig,
  MAX_WRITE_ATTEMPTS,
  type ResolvedConfig,
  resolveConfig,
} from "./config";
import { type DurableItem, DynamoDurable } from "./DynamoDurable";
import { durableFailure } from "./durableFailure";
import {
  ConcurrentUpdateError,
  SessionExistsError,
  SessionNotFoundError,
  StoreClosedError,
} from "./errors";
import { JournalledWrites } from "./JournalledWrites";
import { Maintenance } from "./Maintenance";
import { outcome } from "./outcome";
import { ReplayJournal } from "./ReplayJournal";
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
  isLive,
  nextVersion,
  recordOf,
  type SessionChange,
  sessionOfRecord,
} from "./SessionRecord";
import { SingleFlight } from "./SingleFlight";
import { type StoreEvent, StoreEvents } from "./StoreEvents";
import { type StatsSnapshot, type StoreOperation, StoreStats } from "./StoreStats";
import { ValkeyCache } from "./ValkeyCache";
import { WriteBookkeeping } from "./WriteBookkeeping";

/** Why a read goes to DynamoDB: a cache miss, a failed cache, or a cache entry that may be stale. */
type DurableReadReason = "miss" | "cache-failed" | "repair";

/**
 * A session store with Valkey as the cache and DynamoDB as the durable store.
 *
 * Writes go to both stores at once and are acknowledged when DynamoDB has them; reads try the cache
 * first and fall back to DynamoDB, restoring the cache with the same absolute expiry. Each cache
 * entry is the exact payload DynamoDB holds for that version, and a newer version is never
 * overwritten by an older one. When the cache fails, a breaker sends every operation to DynamoDB
 * and the entries written meanwhile are repaired before they are served again (`Maintenance`); when
 * DynamoDB fails, writes follow `durableFailurePolicy` (by default `JournalledWrites`: a replay
 * journal in Valkey).
 */
export class HybridSessionStore {
  private readonly flights = new SingleFlight<Session | null>();
  private readonly events = new StoreEvents();
  private readonly counters = new StoreStats();
  private readonly repairs: CacheRepairs;
  private readonly bookkeeping: WriteBookkeeping;
  private readonly cache: ValkeyCache;
  private readonly durable: DynamoDurable;
  private readonly journal: ReplayJournal;
  private readonly journalled: JournalledWrites;
  private readonly maintenance: Maintenance;
  private closed = false;

  private constructor(private readonly config: ResolvedConfig) {
    this.cache = new ValkeyCache(config.valkey, config.keyPrefix, this.counters, (state) => {
      this.events.emit({ type: "cache-breaker", state });
    });
    this.durable = new DynamoDurable(config, this.counters);
    this.repairs = new CacheRepairs(config.maxPendingRepairs);
    this.bookkeeping = new WriteBookkeeping(this.counters, this.repairs, this.flights);
    this.journal = new ReplayJournal(
      this.cache,
      this.durable,
      config.keyPrefix,
      (id, payload) => this.cache.forget(id, payload),
      this.counters,
    );
    this.journalled = new JournalledWrites(this.cache, this.journal, this.bookkeeping);
    this.maintenance = new Maintenance(
      this.journal,
      this.repairs,
      this.cache,
      (id) => this.flights.run(id, () => this.loadFromDurable(id, "repair")),
      this.events,
    );
  }

  /**
   * Builds a store from its configuration. Resolves even when the cache cannot be reached yet:
   * the store then serves from DynamoDB and connects to the cache when it answers.
   */
  static async connect(config: HybridSessionStoreConfig): Promise<HybridSessionStore> {
    const resolved = resolveConfig(config);
    assertTtl(resolved.defaultTtlSeconds);
    const store = new HybridSessionStore(resolved);
    if (await store.cache.warmUp()) await store.journal.resume();
    store.maintenance.start(resolved.maintenanceIntervalMs);
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

      const [durable, cached] = await Promise.all([
        outcome(this.durable.putNew(record, Math.floor(now / 1000))),
        outcome(this.cache.setIfNewer(id, record.payload, record.expiresAt)),
      ]);
      const cacheWritten = cached.status === "fulfilled" && cached.value;
      if (durable.status === "fulfilled") {
        if (!durable.value) {
          if (cacheWritten) await this.cache.forget(id, record.payload);
          throw new SessionExistsError(id);
        }
        // Only a caller-chosen id can have an older entry in the cache to repair.
        const stale = !cacheWritten && options.sessionId !== undefined;
        this.bookkeeping.afterWrite(id, { durable: "written", cache: cached, stale });
      } else if (this.config.durableFailurePolicy === "reject" || !cacheWritten) {
        if (cacheWritten) await this.cache.forget(id, record.payload);
        throw durableFailure(durable.reason, cached.status === "rejected");
      } else {
        await this.journalled.create(record);
      }
      return sessionOfRecord(record) as Session<T>;
    });
  }

  /** The live session with this id, or null. Cache first; DynamoDB (and a cache restore) on a miss. */
  get(id: string): Promise<Session | null> {
    // Written as one promise chain, not async/await: a cache hit is the hottest path of all, and
    // each awaited layer costs more than the bookkeeping it wraps.
    if (this.closed) return Promise.reject(new StoreClosedError());
    const started = performance.now();
    const finish = (): void => this.counters.recordOperation("get", performance.now() - started);
    let read: Promise<Session | null>;
    try {
      assertSessionId(id);
      read = this.repairs.needs(id)
        ? this.flights.run(id, () => this.loadFromDurable(id, "repair"))
        : this.cache.lookup(id).then((cached) => {
            if (cached.state === "hit") return cached.session;
            if (cached.state === "error") this.counters.count("cache", "fallbacks");
            const reason = cached.state === "error" ? "cache-failed" : "miss";
            return this.flights.run(id, () => this.loadFromDurable(id, reason));
          });
    } catch (error) {
      read = Promise.reject(error);
    }
    return read.then(
      (session) => {
        finish();
        return session;
      },
      (error: unknown) => {
        finish();
        throw error;
      },
    );
  }

  /** Replaces the data of a live session, keeping its expiry. Throws SessionNotFoundError if none. */
  update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    return this.timed("update", async () => {
      assertSessionId(id);
      assertJsonData(data);
      const updated = await this.mutate(id, (current, now) =>
        nextVersion(current, data, { updatedAt: now }),
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
        nextVersion(current, current.data, { expiresAt: expiryFrom(now, ttl) }),
      );
    });
  }

  /** Removes the session from both stores; true when a live session was removed. */
  delete(id: string): Promise<boolean> {
    return this.timed("delete", async () => {
      assertSessionId(id);
      if (!(await this.journal.drain()).drained) return this.journalled.delete(id);
      let old: DurableItem | null;
      try {
        old = await this.durable.delete(id);
      } catch (error) {
        if (this.config.durableFailurePolicy === "reject") throw durableFailure(error, false);
        return this.journalled.delete(id);
      }
      const live = old !== null && isLive(old.expiresAt);
      const oldSession = old && live ? decodePayload(old.payload, "dynamodb") : null;
      // A tombstone until the old expiry keeps a read that began before the delete from restoring it.
      const cacheWrite = oldSession
        ? this.cache.setIfNewer(id, encodeTombstone(recordOf(oldSession, "")), oldSession.expiresAt)
        : this.cache.delete(id);
      const cache = await outcome(cacheWrite);
      this.bookkeeping.afterWrite(id, { durable: old ? "written" : "unchanged", cache });
      return live;
    });
  }

  /** Counters per store, latency percentiles, journal and repair state, in fixed memory. */
  stats(): StatsSnapshot {
    return {
      ...this.counters.snapshot(),
      journal: { ...this.counters.journal, pending: this.journal.dirty },
      repairs: this.repairs.snapshot(),
      cacheBreaker: this.cache.breakerState,
    };
  }

  /** Zeroes every counter and histogram. */
  resetStats(): void {
    this.counters.reset();
  }

  /** Calls `listener` for every store event; returns a function that stops it. */
  onEvent(listener: (event: StoreEvent) => void): () => void {
    return this.events.on(listener);
  }

  /**
   * Replays the journal into DynamoDB and repairs the cache entries that may be stale, now rather
   * than on the next maintenance round. Resolves true when nothing is left to do.
   */
  settle(): Promise<boolean> {
    return this.maintenance.settle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.maintenance.stop();
    await this.cache.close();
    this.durable.close();
  }

  private async timed<T>(op: StoreOperation, run: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.counters.recordOperation(op, performance.now() - started);
    }
  }

  private async loadFromDurable(id: string, reason: DurableReadReason): Promise<Session | null> {
    // DynamoDB answers for a session only once every write acknowledged into the journal is in it.
    await this.journal.drain();
    const item = await this.readDurable(id, reason === "cache-failed");
    const session = item ? decodePayload(item.payload, "dynamodb") : null;
    if (reason === "cache-failed") return session;
    const restore =
      item && session
        ? this.cache.setIfNewer(id, item.payload, item.expiresAt)
        : reason === "repair"
          ? this.cache.delete(id)
          : undefined;
    if (restore) {
      const restored = await outcome(restore);
      if (restored.status === "fulfilled") {
        if (item && restored.value) this.counters.count("cache", "restores");
        if (reason === "repair") {
          this.repairs.done(id);
          this.events.emit({ type: "cache-repaired", sessionId: id });
        }
      }
    }
    return session;
  }

  /** A consistent read of a live item; null when absent or expired. */
  private readDurable(id: string, cacheFailed: boolean): Promise<DurableItem | null> {
    return this.durable.getLive(id).catch((error: unknown) => {
      throw durableFailure(error, cacheFailed);
    });
  }

  /**
   * Applies `change` to the current version with a conditional write, re-reading DynamoDB and
   * retrying when another writer got there first. Null when there is no live session.
   */
  private async mutate(id: string, change: SessionChange): Promise<Session | null> {
    if (!(await this.journal.drain()).drained) return this.journalled.mutate(id, change);
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
        if (this.config.durableFailurePolicy === "reject") throw durableFailure(error, false);
        return this.journalled.mutate(id, change);
      }
      if (written) {
        const cache = await outcome(this.cache.setIfNewer(id, record.payload, record.expiresAt));
        this.bookkeeping.afterWrite(id, { durable: "written", cache });
        return sessionOfRecord(record);
      }
      const item = await this.readDurable(id, false);
      current = item ? decodePayload(item.payload, "dynamodb") : null;
    }
    throw new ConcurrentUpdateError(id);
  }

  /** The version to base a write on: the cache's copy as a guess (the write checks it), else DynamoDB's. */
  private async currentForWrite(id: string): Promise<Session | null> {
    const cached = this.repairs.needs(id) ? undefined : await this.cache.lookup(id);
    if (cached?.state === "hit" && cached.session) return cached.session;
    const item = await this.readDurable(id, cached?.state === "error");
    return item ? decodePayload(item.payload, "dynamodb") : null;
  }
}
