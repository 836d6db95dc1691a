import { CacheRepairs } from "./CacheRepairs";
import { type HybridSessionStoreConfig, type ResolvedConfig, resolveConfig } from "./config";
import { DurableWrites } from "./DurableWrites";
import { DynamoDurable } from "./DynamoDurable";
import { writeFailure } from "./durableFailure";
import {
  isOutcomeUnknown,
  OutcomeUnknownError,
  SessionExistsError,
  SessionNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
} from "./errors";
import { JournalledWrites } from "./JournalledWrites";
import { Maintenance } from "./Maintenance";
import { outcome } from "./outcome";
import type { CreateOptions, JsonValue, Session } from "./Session";
import { assertSessionId, newSessionId } from "./SessionId";
import { SessionJournal } from "./SessionJournal";
import { SessionReads } from "./SessionReads";
import {
  assertJsonData,
  assertStorable,
  assertTtl,
  encodeRecord,
  expiryFrom,
  nextVersion,
  type SessionRecord,
  sessionOfRecord,
} from "./SessionRecord";
import { SingleFlight } from "./SingleFlight";
import { type StoreEvent, StoreEvents } from "./StoreEvents";
import { type StatsSnapshot, type StoreOperation, StoreStats } from "./StoreStats";
import { neverReachedCache, ValkeyCache } from "./ValkeyCache";
import { WriteBookkeeping } from "./WriteBookkeeping";

/**
 * A session store with Valkey as the cache and DynamoDB as the durable store, correct for many app
 * servers. Writes are acknowledged when DynamoDB has them (or, while it does not answer, the shared
 * journal beside the cache: `JournalledWrites`); reads are served by the cache while an entry's lease
 * holds and checked against DynamoDB after (`SessionReads`). Copies are ordered by (createdAt,
 * version, bytes), so an older one never replaces a newer one; `Maintenance` replays the journal.
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
  private readonly reads: SessionReads;
  private readonly writes: DurableWrites;
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
    this.reads = new SessionReads(
      this.cache,
      this.durable,
      this.journal,
      this.repairs,
      this.flights,
      this.counters,
      this.events,
      config.clock,
    );
    this.writes = new DurableWrites(
      config,
      this.cache,
      this.durable,
      this.journal,
      this.journalled,
      this.reads,
      this.bookkeeping,
      config.clock,
    );
    this.maintenance = new Maintenance(
      this.journal,
      this.repairs,
      this.cache,
      (id) => this.reads.repair(id),
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
      const createdAt =
        options.sessionId === undefined ? now : await this.reads.createdAtFor(id, now);
      const record = encodeRecord(
        { id, version: 1, createdAt, updatedAt: now, expiresAt: expiryFrom(now, ttl) },
        data,
      );
      assertStorable(record);

      const durableWrite = outcome(this.durable.putNew(record, Math.floor(now / 1000)));
      const cacheWrite = () => outcome(this.cache.write(id, record.payload, record.expiresAt));
      // A store-made id is known to no one else yet, so both stores are written at once; under a
      // caller-chosen id a reader could see the cache's copy before DynamoDB refuses it: DynamoDB first.
      const [durable, cached] =
        options.sessionId === undefined
          ? await Promise.all([durableWrite, cacheWrite()])
          : [await durableWrite, undefined];
      if (durable.status === "fulfilled" && !durable.value) {
        if (cached?.status === "fulfilled" && cached.value)
          await this.cache.forget(id, record.payload);
        throw new SessionExistsError(id);
      }
      const unwritten = { status: "fulfilled", value: false } as const;
      const cacheResult =
        cached ?? (durable.status === "fulfilled" ? await cacheWrite() : unwritten);
      try {
        await this.settleCreate(record, options, durable, cacheResult);
      } catch (error) {
        // A store-made id was never told to anyone: whatever copy may remain, no one can read it.
        if (options.sessionId !== undefined || !isOutcomeUnknown(error)) throw error;
        throw new StoreUnavailableError("both", "the session could not be stored", {
          cause: error,
        });
      }
      return sessionOfRecord(record) as Session<T>;
    });
  }

  /** Acknowledges a create, journals it, or refuses it, by how each store took it. */
  private async settleCreate(
    record: SessionRecord,
    options: CreateOptions,
    durable: PromiseSettledResult<boolean>,
    cached: PromiseSettledResult<boolean>,
  ): Promise<void> {
    const id = record.id;
    const cacheWritten = cached.status === "fulfilled" && cached.value;
    if (durable.status === "fulfilled") {
      // Only a caller-chosen id can have an older entry in the cache to repair.
      const stale = !cacheWritten && options.sessionId !== undefined;
      this.bookkeeping.afterWrite(id, { durable: "written", cache: cached, stale });
    } else if (this.config.durableFailurePolicy === "reject") {
      // "Nothing was written" only if the cache surely does not hold it either.
      const clean =
        cached.status === "rejected"
          ? neverReachedCache(cached.reason)
          : !cached.value || (await this.cache.forget(id, record.payload));
      if (!clean)
        throw new OutcomeUnknownError("the cache may hold the refused create", {
          cause: durable.reason,
        });
      throw writeFailure(durable.reason, cached.status === "rejected");
    } else {
      await this.journalled.create(record, durable.reason);
    }
  }

  /** The live session with this id, or null. Cache first; DynamoDB (and a cache restore) on a miss. */
  get(id: string): Promise<Session | null> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return this.reads.get(id);
  }

  /** Replaces the data of a live session, keeping its expiry. Throws SessionNotFoundError if none. */
  update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    return this.timed("update", async () => {
      assertSessionId(id);
      assertJsonData(data);
      const updated = await this.writes.mutate(id, (current, now) =>
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
      return this.writes.mutate(id, (current, now) =>
        nextVersion(current, current.data, { expiresAt: expiryFrom(now, ttl) }),
      );
    });
  }

  /** Removes the session from both stores; true when a live session was removed. */
  delete(id: string): Promise<boolean> {
    return this.timed("delete", async () => {
      assertSessionId(id);
      return this.writes.delete(id);
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
}
