import { CacheRepairs } from "./CacheRepairs";
import { bucketOf } from "./cacheKey";
import {
  type HybridSessionStoreConfig,
  MAX_WRITE_ATTEMPTS,
  type ResolvedConfig,
  resolveConfig,
} from "./config";
import { type DurableItem, DynamoDurable } from "./DynamoDurable";
import { durableFailure, writeFailure } from "./durableFailure";
import {
  ConcurrentUpdateError,
  SessionExistsError,
  SessionNotFoundError,
  StoreClosedError,
} from "./errors";
import { JournalledWrites } from "./JournalledWrites";
import { Maintenance } from "./Maintenance";
import { outcome } from "./outcome";
import type { CreateOptions, JsonValue, Session } from "./Session";
import { assertSessionId, newSessionId } from "./SessionId";
import { ReplayFailure, SessionJournal } from "./SessionJournal";
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
import { type CacheLookup, ValkeyCache } from "./ValkeyCache";
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
  private readonly journal: SessionJournal;
  private readonly journalled: JournalledWrites;
  private readonly maintenance: Maintenance;
  private readonly clock: () => number;
  private closed = false;

  private constructor(private readonly config: ResolvedConfig) {
    this.clock = config.clock;
    this.cache = new ValkeyCache(
      config.valkey,
      config.keyPrefix,
      config.cacheLeaseMs,
      this.counters,
      config.clock,
      (state) => this.events.emit({ type: "cache-breaker", state }),
    );
    this.durable = new DynamoDurable(config, this.counters);
    this.repairs = new CacheRepairs(config.maxPendingRepairs);
    this.bookkeeping = new WriteBookkeeping(this.counters, this.repairs, this.flights);
    this.journal = new SessionJournal(this.cache, this.durable, config.keyPrefix, this.counters);
    this.journalled = new JournalledWrites(
      this.cache,
      this.journal,
      this.bookkeeping,
      config.journalReplicaTimeoutMs,
      config.clock,
    );
    this.maintenance = new Maintenance(
      this.journal,
      this.repairs,
      this.cache,
      (id) => this.flights.run(id, () => this.loadFromDurable(id, "repair")),
      this.events,
      config.journalScanIntervalMs,
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
    await store.cache.warmUp();
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
      const now = this.clock();
      const id = options.sessionId ?? newSessionId();
      const record = encodeRecord(
        { id, version: 1, createdAt: now, updatedAt: now, expiresAt: expiryFrom(now, ttl) },
        data,
      );
      assertStorable(record);

      const [durable, cached] = await Promise.all([
        outcome(this.durable.putNew(record, Math.floor(now / 1000))),
        outcome(this.cache.write(id, record.payload, record.expiresAt)),
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
      } else if (this.config.durableFailurePolicy === "reject") {
        if (cacheWritten) await this.cache.forget(id, record.payload);
        throw writeFailure(durable.reason, cached.status === "rejected");
      } else {
        await this.journalled.create(record, durable.reason);
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
            if (cached.state === "hit") {
              if (cached.leased) return cached.session;
              return this.flights.run(id, () => this.revalidate(id, cached));
            }
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
      const journalled = await this.replayJournalFor(id);
      if (journalled !== undefined) return this.journalled.delete(id, journalled);
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        let old: DurableItem | null;
        let gone: boolean;
        try {
          old = await this.durable.getLive(id);
          if (!old) return false;
          gone = await this.durable.deleteIfEqual(id, old);
        } catch (error) {
          if (this.config.durableFailurePolicy === "reject") throw writeFailure(error, false);
          return this.journalled.delete(id, error);
        }
        // Another version took its place between the read and the delete: delete that one.
        if (!gone) continue;
        const oldSession = decodePayload(old.payload, "dynamodb");
        // A tombstone until the old expiry keeps a read that began before the delete from restoring it.
        const cache = await outcome(
          oldSession
            ? this.cache.write(id, encodeTombstone(recordOf(oldSession, "")), old.expiresAt)
            : this.cache.delete(id),
        );
        this.bookkeeping.afterWrite(id, { durable: "written", cache });
        return true;
      }
      throw new ConcurrentUpdateError(id);
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
    this.journal.close();
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

  /**
   * A cache entry whose lease ran out, checked against DynamoDB: DynamoDB's copy replaces it unless
   * the shared journal holds a write DynamoDB has not taken yet. When DynamoDB does not answer, the
   * cache's copy is the best there is.
   */
  private async revalidate(
    id: string,
    cached: Extract<CacheLookup, { state: "hit" }>,
  ): Promise<Session | null> {
    this.counters.count("dynamodb", "reads");
    const item = await outcome(this.durable.get(id));
    if (item.status === "rejected") return cached.session;
    const live = item.value && isLive(item.value.expiresAt, this.clock()) ? item.value : null;
    const copy = live
      ? { payload: live.payload, expiresAt: live.expiresAt }
      : cached.session
        ? {
            payload: encodeTombstone(recordOf(cached.session, "")),
            expiresAt: cached.session.expiresAt,
          }
        : { payload: cached.payload, expiresAt: 0 };
    this.counters.count("dynamodb", live ? "hits" : "misses");
    const kept = await outcome(
      this.cache.revalidate(id, cached.payload, copy.payload, copy.expiresAt),
    );
    if (kept.status === "fulfilled" && kept.value === 2) return cached.session;
    return live ? decodePayload(live.payload, "dynamodb") : null;
  }

  private async loadFromDurable(id: string, reason: DurableReadReason): Promise<Session | null> {
    // The shared journal may hold a write DynamoDB has not taken yet: it answers first.
    if (reason !== "cache-failed") {
      const pending = await outcome(this.journal.pendingFor(id, bucketOf(id)));
      if (pending.status === "fulfilled" && pending.value) {
        const { payload, expiresAt } = pending.value;
        await outcome(this.cache.write(id, payload, expiresAt));
        const session = decodePayload(payload, "cache");
        return session && isLive(session.expiresAt, this.clock()) ? session : null;
      }
    }
    const item = await this.readDurable(id, reason === "cache-failed");
    const session = item ? decodePayload(item.payload, "dynamodb") : null;
    if (reason === "cache-failed") return session;
    const restore =
      item && session
        ? this.cache.writeResult(id, item.payload, item.expiresAt)
        : reason === "repair"
          ? this.cache.delete(id).then(() => 0)
          : undefined;
    if (restore) {
      const restored = await outcome(restore);
      if (restored.status === "fulfilled") {
        if (item && restored.value === 1) this.counters.count("cache", "restores");
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
   * Before a write to DynamoDB: replays the write the shared journal holds for this session, if
   * any, so DynamoDB's copy is the newest. Resolves to DynamoDB's failure when it could not take the
   * replay (the write must then be journalled too), else undefined. A cache that cannot be asked is
   * passed over: DynamoDB's conditional writes and the order of copies decide.
   */
  private async replayJournalFor(id: string): Promise<unknown> {
    try {
      await this.journal.replayFor(id, bucketOf(id));
      return undefined;
    } catch (error) {
      return error instanceof ReplayFailure ? error.durableError : undefined;
    }
  }

  /**
   * Applies `change` to the current version with a conditional write, re-reading DynamoDB and
   * retrying when another writer got there first. Null when there is no live session.
   */
  private async mutate(id: string, change: SessionChange): Promise<Session | null> {
    const journalled = await this.replayJournalFor(id);
    if (journalled !== undefined) return this.journalled.mutate(id, change, journalled);
    let current = await this.currentForWrite(id);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (!current) return null;
      const now = this.clock();
      const record = change(current, now);
      assertStorable(record);
      let written: boolean;
      try {
        written = await this.durable.replace(record, current.version, Math.floor(now / 1000));
      } catch (error) {
        if (this.config.durableFailurePolicy === "reject") throw writeFailure(error, false);
        // The same record, if the cache still holds its base: DynamoDB may have applied it already.
        return this.journalled.mutate(id, change, error, { base: current, record });
      }
      if (written) {
        const cache = await outcome(this.cache.write(id, record.payload, record.expiresAt));
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
