import { bucketOf } from "./cacheKey";
import type { ResolvedConfig } from "./config";
import { MAX_WRITE_ATTEMPTS } from "./config";
import { DurableCallError, type DurableItem, type DynamoDurable } from "./DynamoDurable";
import { durableFailure, writeFailure } from "./durableFailure";
import { ConcurrentUpdateError } from "./errors";
import type { JournalledWrites } from "./JournalledWrites";
import { outcome } from "./outcome";
import type { Session } from "./Session";
import { ReplayFailure, type SessionJournal } from "./SessionJournal";
import type { SessionReads } from "./SessionReads";
import {
  assertStorable,
  decodePayload,
  encodeTombstone,
  orderOf,
  type SessionChange,
  type SessionRecord,
  sessionOfRecord,
} from "./SessionRecord";
import type { ValkeyCache } from "./ValkeyCache";
import type { WriteBookkeeping } from "./WriteBookkeeping";

/**
 * Changes and deletes through DynamoDB: a conditional write on the current version, retried when
 * another writer got there first, then the cache. The shared journal's write for the session, if
 * any, is replayed first, so DynamoDB's copy is the newest; when DynamoDB fails, the write follows
 * the policy (the journal, or a refusal that says whether it may have landed).
 */
export class DurableWrites {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly cache: ValkeyCache,
    private readonly durable: DynamoDurable,
    private readonly journal: SessionJournal,
    private readonly journalled: JournalledWrites,
    private readonly reads: SessionReads,
    private readonly bookkeeping: WriteBookkeeping,
    private readonly clock: () => number,
  ) {}

  /** Removes the session from both stores; true when a live session was removed. */
  async delete(id: string): Promise<boolean> {
    const journalled = await this.replayJournalFor(id);
    if (journalled !== undefined) return this.journalled.delete(id, journalled);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      let old: DurableItem | null;
      let gone: boolean;
      try {
        old = await this.durable.getLive(id);
      } catch (error) {
        if (this.config.durableFailurePolicy === "reject") throw durableFailure(error, false);
        // Only a read was sent: nothing of this delete can have reached DynamoDB.
        return this.journalled.delete(id, new DurableCallError(error, false));
      }
      if (!old) return false;
      // A tombstone until the old expiry keeps a read that began before the delete from restoring it.
      const tombstone = tombstoneOf(id, old);
      try {
        gone = await this.durable.deleteIfEqual({ ...old, id }, tombstone);
      } catch (error) {
        if (this.config.durableFailurePolicy === "reject") throw writeFailure(error, false);
        return this.journalled.delete(id, error);
      }
      // Another version took its place between the read and the delete: delete that one.
      if (!gone) continue;
      await this.writeCacheCopy(id, tombstone);
      return true;
    }
    throw new ConcurrentUpdateError(id);
  }

  /**
   * The cache's copy of a write DynamoDB took, confirmed by a replica of its shard: a failover must
   * not put back the copy this write replaced, for a journalled write (here or on another server)
   * would build on it. A copy no replica confirms in time is marked for repair.
   */
  private async writeCacheCopy(id: string, record: SessionRecord): Promise<void> {
    const cache = await outcome(this.cache.write(id, record.payload, record.expiresAt));
    const written = cache.status === "fulfilled" && cache.value;
    const replicated =
      written &&
      (await this.cache
        .replicated(id, CACHE_COPY_REPLICA_TIMEOUT_MS, { payload: record.payload })
        .catch(() => false));
    this.bookkeeping.afterWrite(id, {
      durable: "written",
      cache,
      stale: cache.status === "rejected" || (written && !replicated),
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
  async mutate(id: string, change: SessionChange): Promise<Session | null> {
    const journalled = await this.replayJournalFor(id);
    if (journalled !== undefined) return this.journalled.mutate(id, change, journalled);
    let current = await this.reads.currentForWrite(id);
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
        await this.writeCacheCopy(id, record);
        return sessionOfRecord(record);
      }
      const item = await this.reads.readDurable(id, false);
      current = item ? decodePayload(item.payload, "dynamodb") : null;
    }
    throw new ConcurrentUpdateError(id);
  }
}

/**
 * How long a DynamoDB-path write waits for a replica to confirm its cache copy: ample for a healthy
 * replica (well under a millisecond here), short for a write whose shard has lost its replica.
 */
const CACHE_COPY_REPLICA_TIMEOUT_MS = 100;

/** The tombstone that takes a deleted copy's place, in both stores, until its old expiry. */
function tombstoneOf(id: string, old: DurableItem): SessionRecord {
  const { version, createdAt } = orderOf(old.payload);
  const payload = encodeTombstone({
    id,
    version,
    createdAt,
    updatedAt: 0,
    expiresAt: old.expiresAt,
    payload: "",
  });
  return { id, version: version + 1, createdAt, updatedAt: 0, expiresAt: old.expiresAt, payload };
}
