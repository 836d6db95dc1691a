import { CacheRepairs } from "./CacheRepairs";
import type { BreakerState } from "./CircuitBreaker";
import { cacheKey } from "./cacheKey";
import { type HybridSessionStoreConfig, type ResolvedConfig, resolveConfig } from "./config";
import { type DurableItem, DynamoDurable } from "./DynamoDurable";
import {
  ConcurrentUpdateError,
  SessionExistsError,
  SessionNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
} from "./errors";
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
  recordOf,
  type SessionRecord,
} from "./SessionRecord";
import { SingleFlight } from "./SingleFlight";
import { type StatsSnapshot, type StoreOperation, StoreStats } from "./StoreStats";
import { ValkeyCache } from "./ValkeyCache";

/** Conditional writes retried on a concurrent change before ConcurrentUpdateError. */
const MAX_WRITE_ATTEMPTS = 5;
/** Cache entries repaired per maintenance round. */
const REPAIR_BATCH = 100;

type CacheLookup =
  | { state: "hit"; session: Session | null }
  | { state: "miss" }
  | { state: "error"; error: unknown };

/** Why a read goes to DynamoDB: a cache miss, a failed cache, or a cache entry that may be stale. */
type DurableReadReason = "miss" | "cache-failed" | "repair";

/** Something the store did that operators may want to see as it happens. */
export type StoreEvent =
  | { type: "cache-breaker"; state: BreakerState }
  | { type: "journal-drained"; replayed: number }
  | { type: "cache-repaired"; sessionId: string };

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A session store with Valkey as the cache and DynamoDB as the durable store.
 *
 * Writes go to both stores at once and are acknowledged when DynamoDB has them; reads try the cache
 * first and fall back to DynamoDB, restoring the cache with the same absolute expiry. Each cache
 * entry is the exact payload DynamoDB holds for that version, and a newer version is never
 * overwritten by an older one. When the cache fails, a breaker sends every operation to DynamoDB
 * and the entries written meanwhile are repaired before they are served again; when DynamoDB fails,
 * writes follow `durableFailurePolicy` (by default: a replay journal in Valkey).
 */
export class HybridSessionStore {
  private readonly flights = new SingleFlight<Session | null>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly repairs: CacheRepairs;
  private readonly journal: ReplayJournal;
  private readonly cache: ValkeyCache;
  private readonly durable: DynamoDurable;
  private readonly counters = new StoreStats();
  private maintenance: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly config: ResolvedConfig) {
    this.cache = new ValkeyCache(config.valkey, this.counters, (state) => {
      this.emit({ type: "cache-breaker", state });
    });
    this.durable = new DynamoDurable(config, this.counters);
    this.repairs = new CacheRepairs(config.maxPendingRepairs);
    this.journal = new ReplayJournal(
      this.cache,
      this.durable,
      config.keyPrefix,
      (id, payload) => this.forgetCached(id, payload),
      this.counters,
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
    store.maintenance = setInterval(() => {
      store.maintain();
    }, resolved.maintenanceIntervalMs);
    store.maintenance.unref();
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
        outcome(this.cache.setIfNewer(this.key(id), record.payload, record.expiresAt)),
      ]);
      const cacheWritten = cached.status === "fulfilled" && cached.value;
      if (durable.status === "fulfilled") {
        if (!durable.value) {
          if (cacheWritten) await this.forgetCached(id, record.payload);
          throw new SessionExistsError(id);
        }
        this.counters.count("dynamodb", "writes");
        this.countCacheWrite(cached);
        // Only a caller-chosen id can have an older entry in the cache to repair.
        if (!cacheWritten && options.sessionId !== undefined) this.repairs.mark(id);
      } else {
        if (this.config.durableFailurePolicy === "reject" || !cacheWritten) {
          if (cacheWritten) await this.forgetCached(id, record.payload);
          throw this.durableFailure(durable.reason, cached.status === "rejected");
        }
        await this.journalOrUndo({ op: "create", record }, id, record.payload);
        this.counters.count("cache", "writes");
      }
      this.flights.forget(id);
      return this.sessionOf(record) as Session<T>;
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
        : this.lookupCache(id).then((cached) => {
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
      if (!(await this.journal.drain()).drained) return this.deleteThroughJournal(id);
      let old: DurableItem | null;
      try {
        old = await this.durable.delete(id);
      } catch (error) {
        if (this.config.durableFailurePolicy === "reject") throw this.durableFailure(error, false);
        return this.deleteThroughJournal(id);
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
      const written = await outcome(cacheWrite);
      this.countCacheWrite(written);
      if (written.status === "rejected") this.repairs.mark(id);
      this.flights.forget(id);
      return live;
    });
  }

  /** Counters per store, latency percentiles, journal and repair state, in fixed memory. */
  stats(): StatsSnapshot {
    return {
      ...this.counters.snapshot(),
      journal: { ...this.counters.journal, pending: this.journal.dirty },
      repairs: {
        pending: this.repairs.pending,
        repaired: this.repairs.repaired,
        overflow: this.repairs.overflow,
      },
      cacheBreaker: this.cache.breakerState,
    };
  }

  /** Zeroes every counter and histogram. */
  resetStats(): void {
    this.counters.reset();
  }

  /** Calls `listener` for every store event; returns a function that stops it. */
  onEvent(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Replays the journal into DynamoDB and repairs the cache entries that may be stale, now rather
   * than on the next maintenance round. Resolves true when nothing is left to do.
   */
  async settle(): Promise<boolean> {
    await this.runMaintenance();
    return !this.journal.dirty && this.repairs.pending === 0 && !this.repairs.overflow;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenance);
    await this.maintaining;
    await this.cache.close();
    this.durable.close();
  }

  private key(id: string): string {
    return cacheKey(this.config.keyPrefix, id);
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event);
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

  private lookupCache(id: string): Promise<CacheLookup> {
    this.counters.count("cache", "reads");
    return this.cache.get(this.key(id)).then(
      (payload): CacheLookup => {
        if (payload === null) {
          this.counters.count("cache", "misses");
          return { state: "miss" };
        }
        this.counters.count("cache", "hits");
        const session = decodePayload(payload, "cache");
        // The cache expires entries by its own clock; never hand out what our clock says has expired.
        const live = session && session.expiresAt > nowSeconds() ? session : null;
        return { state: "hit", session: live };
      },
      (error: unknown): CacheLookup => ({ state: "error", error }),
    );
  }

  private async loadFromDurable(id: string, reason: DurableReadReason): Promise<Session | null> {
    // DynamoDB answers for a session only once every write acknowledged into the journal is in it.
    await this.journal.drain();
    const item = await this.readDurable(id, reason === "cache-failed");
    const session = item ? decodePayload(item.payload, "dynamodb") : null;
    if (reason === "cache-failed") return session;
    const restore =
      item && session
        ? this.cache.setIfNewer(this.key(id), item.payload, item.expiresAt)
        : reason === "repair"
          ? this.cache.delete(this.key(id))
          : undefined;
    if (restore) {
      const restored = await outcome(restore);
      if (restored.status === "fulfilled") {
        if (item && restored.value) this.counters.count("cache", "restores");
        if (reason === "repair") this.repaired(id);
      }
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
    if (!(await this.journal.drain()).drained) return this.mutateThroughJournal(id, change);
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
        if (this.config.durableFailurePolicy === "reject") throw this.durableFailure(error, false);
        return this.mutateThroughJournal(id, change);
      }
      if (written) {
        this.counters.count("dynamodb", "writes");
        const cached = await outcome(
          this.cache.setIfNewer(this.key(id), record.payload, record.expiresAt),
        );
        this.countCacheWrite(cached);
        if (cached.status === "rejected") this.repairs.mark(id);
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
    const cached = this.repairs.needs(id) ? undefined : await this.lookupCache(id);
    if (cached?.state === "hit" && cached.session) return cached.session;
    const item = await this.readDurable(id, cached?.state === "error");
    return item ? decodePayload(item.payload, "dynamodb") : null;
  }

  /**
   * A change acknowledged without DynamoDB: the cache's compare-and-set decides between concurrent
   * writers, then the write is journalled. Needs the session in the cache.
   */
  private async mutateThroughJournal(
    id: string,
    change: (current: Session, nowMs: number) => SessionRecord,
  ): Promise<Session | null> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id);
      if (!current) return null;
      const record = change(current, Date.now());
      assertStorable(record);
      if (!(await this.casCache(id, record.payload, record.expiresAt))) continue;
      await this.journalOrUndo({ op: "put", record }, id, record.payload);
      this.counters.count("cache", "writes");
      this.flights.forget(id);
      return this.sessionOf(record);
    }
    throw new ConcurrentUpdateError(id);
  }

  private async deleteThroughJournal(id: string): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id);
      if (!current) return false;
      const tombstone = encodeTombstone(recordOf(current, ""));
      if (!(await this.casCache(id, tombstone, current.expiresAt))) continue;
      await this.journalOrUndo({ op: "delete", id, version: current.version + 1 }, id, tombstone);
      this.counters.count("cache", "writes");
      this.flights.forget(id);
      return true;
    }
    throw new ConcurrentUpdateError(id);
  }

  /** The live session as the cache holds it; without DynamoDB nothing else can tell. */
  private async currentFromCache(id: string): Promise<Session | null> {
    const cached = await this.lookupCache(id);
    if (cached.state === "error") throw this.durableFailure(cached.error, true);
    if (cached.state === "miss") {
      throw new StoreUnavailableError(
        "dynamodb",
        "DynamoDB did not answer and the cache does not hold the session; nothing was written",
      );
    }
    return cached.session;
  }

  private async casCache(id: string, payload: string, expiresAt: number): Promise<boolean> {
    try {
      return await this.cache.setIfNewer(this.key(id), payload, expiresAt);
    } catch (error) {
      throw this.durableFailure(error, true);
    }
  }

  /** Journals a write already in the cache; if the journal fails, takes the write back out. */
  private async journalOrUndo(
    write: Parameters<ReplayJournal["append"]>[0],
    id: string,
    payload: string,
  ): Promise<void> {
    try {
      await this.journal.append(write);
      this.counters.count("dynamodb", "fallbacks");
    } catch (error) {
      await this.forgetCached(id, payload);
      throw new StoreUnavailableError(
        "both",
        "DynamoDB did not answer and the journal could not be written; nothing was acknowledged",
        { cause: error },
      );
    }
  }

  private countCacheWrite(result: PromiseSettledResult<boolean>): void {
    if (result.status === "fulfilled") {
      if (result.value) this.counters.count("cache", "writes");
    } else {
      this.counters.count("cache", "fallbacks");
    }
  }

  private repaired(id: string): void {
    this.repairs.done(id);
    this.emit({ type: "cache-repaired", sessionId: id });
  }

  /** Undoes a cache write whose durable write failed, so nothing unacknowledged stays readable. */
  private async forgetCached(id: string, payload: string): Promise<void> {
    await outcome(this.cache.deleteIfEqual(this.key(id), payload));
  }

  /** One maintenance round at a time, in the background: journal replay, then cache repairs. */
  private maintain(): void {
    if (this.journal.dirty || this.repairs.pending > 0) void this.runMaintenance();
  }

  private runMaintenance(): Promise<void> {
    this.maintaining ??= (async () => {
      if (this.journal.dirty) {
        const { drained, replayed } = await this.journal.drain();
        if (drained && replayed > 0) this.emit({ type: "journal-drained", replayed });
      }
      if (this.repairs.pending === 0) return;
      // Repairs need the cache: probe it first (the breaker refuses at once while it is open).
      if ((await outcome(this.cache.ping())).status === "rejected") return;
      for (const id of this.repairs.next(REPAIR_BATCH)) {
        await outcome(this.flights.run(id, () => this.loadFromDurable(id, "repair")));
      }
    })().finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  /** DynamoDB failed; if the cache failed too (`cacheFailed`), the error names both. */
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
