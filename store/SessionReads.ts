import type { CacheRepairs } from "./CacheRepairs";
import { bucketOf } from "./cacheKey";
import { type DurableItem, type DynamoDurable, liveItem } from "./DynamoDurable";
import { durableFailure } from "./durableFailure";
import { outcome } from "./outcome";
import type { Session } from "./Session";
import { assertSessionId } from "./SessionId";
import type { SessionJournal } from "./SessionJournal";
import { decodePayload, encodeTombstone, isLive, orderOf, recordOf } from "./SessionRecord";
import type { SingleFlight } from "./SingleFlight";
import type { StoreEvents } from "./StoreEvents";
import type { StoreStats } from "./StoreStats";
import type { CacheLookup, ValkeyCache } from "./ValkeyCache";

/** Why a read goes to DynamoDB: a cache miss, a failed cache, or a cache entry that may be stale. */
type DurableReadReason = "miss" | "cache-failed" | "repair";

/**
 * The store's read path: the cache while an entry's lease holds, DynamoDB when it has run out, on
 * a miss (after the shared journal) and while the cache fails; concurrent reads of one session share
 * one DynamoDB read, and what DynamoDB answered is put back into the cache.
 */
export class SessionReads {
  constructor(
    private readonly cache: ValkeyCache,
    private readonly durable: DynamoDurable,
    private readonly journal: SessionJournal,
    private readonly repairs: CacheRepairs,
    private readonly flights: SingleFlight<Session | null>,
    private readonly counters: StoreStats,
    private readonly events: Pick<StoreEvents, "emit">,
    private readonly clock: () => number,
  ) {}

  /** The live session with this id, or null. Cache first; DynamoDB (and a cache restore) on a miss. */
  get(id: string): Promise<Session | null> {
    // Written as one promise chain, not async/await: a cache hit is the hottest path of all, and
    // each awaited layer costs more than the bookkeeping it wraps.
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

  /**
   * The creation time of a new incarnation of a caller-chosen id: after the one the cache holds
   * (live or a tombstone), so a clock behind the previous creator's cannot order it first.
   */
  async createdAtFor(id: string, now: number): Promise<number> {
    const cached = await this.cache.lookup(id);
    if (cached.state !== "hit") return now;
    return Math.max(now, orderOf(cached.payload).createdAt + 1);
  }

  /** Rewrites one session's cache entry from DynamoDB (a repair of this process's own writes). */
  repair(id: string): Promise<Session | null> {
    return this.flights.run(id, () => this.loadFromDurable(id, "repair"));
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
    const live = liveItem(item.value, this.clock());
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
  readDurable(id: string, cacheFailed: boolean): Promise<DurableItem | null> {
    return this.durable.getLive(id).catch((error: unknown) => {
      throw durableFailure(error, cacheFailed);
    });
  }

  /** The version to base a write on: the cache's copy as a guess (the write checks it), else DynamoDB's. */
  async currentForWrite(id: string): Promise<Session | null> {
    const cached = this.repairs.needs(id) ? undefined : await this.cache.lookup(id);
    if (cached?.state === "hit" && cached.session) return cached.session;
    const item = await this.readDurable(id, cached?.state === "error");
    return item ? decodePayload(item.payload, "dynamodb") : null;
  }
}
