import { MAX_WRITE_ATTEMPTS } from "./config";
import { writeFailure } from "./durableFailure";
import { ConcurrentUpdateError, OutcomeUnknownError, StoreUnavailableError } from "./errors";
import type { Session } from "./Session";
import { type JournalledWrite, SessionJournal } from "./SessionJournal";
import {
  assertStorable,
  encodeTombstone,
  payloadOf,
  recordOf,
  type SessionChange,
  type SessionRecord,
  sessionOfRecord,
} from "./SessionRecord";
import { neverReachedCache, type ValkeyCache } from "./ValkeyCache";
import { CACHE_WRITTEN, type WriteBookkeeping } from "./WriteBookkeeping";

/** A write already computed against `base`, to journal as it is rather than compute anew. */
export interface PlannedWrite {
  base: Session;
  record: SessionRecord;
}

/**
 * Writes acknowledged without DynamoDB (`durableFailurePolicy: "journal"`, while it does not
 * answer). The cache's compare-and-set decides between concurrent writers and journals the write in
 * the same step (SessionJournal); the write is acknowledged once a replica of its shard has it, so
 * a failover cannot lose it. A write the cache refuses was not journalled: nothing of it is visible.
 */
export class JournalledWrites {
  constructor(
    private readonly cache: ValkeyCache,
    private readonly journal: SessionJournal,
    private readonly bookkeeping: WriteBookkeeping,
    private readonly replicaTimeoutMs: number,
    private readonly clock: () => number,
  ) {}

  /** Journals a create DynamoDB did not take (or did not confirm); `durableError` says which. */
  async create(record: SessionRecord, durableError: unknown): Promise<void> {
    const write = {
      op: "put",
      sessionId: record.id,
      payload: record.payload,
      expiresAt: record.expiresAt,
    } as const;
    if (!(await this.journalWrite(write, durableError))) {
      throw new StoreUnavailableError(
        "dynamodb",
        "DynamoDB did not answer and the cache holds a newer session under this id; nothing was written",
      );
    }
    this.bookkeeping.afterWrite(record.id, { durable: "journalled", cache: CACHE_WRITTEN });
  }

  /**
   * Applies `change` to the cache's current version; null when the cache holds no live session.
   * `planned`, when given, is written first if the cache still holds its base.
   */
  async mutate(
    id: string,
    change: SessionChange,
    durableError: unknown,
    planned?: PlannedWrite,
  ): Promise<Session | null> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id, durableError);
      if (!current) return null;
      if (planned && payloadOf(current) === planned.record.payload) {
        // DynamoDB took the planned write after all (its answer was lost) and a reader copied it
        // into the cache: it is done. Applying the change again would apply it twice.
        this.bookkeeping.afterWrite(id, { durable: "written", cache: CACHE_WRITTEN });
        return sessionOfRecord(planned.record);
      }
      const record =
        planned && attempt === 0 && sameCopy(planned.base, current)
          ? planned.record
          : change(current, this.clock());
      assertStorable(record);
      const write = {
        op: "put",
        sessionId: id,
        payload: record.payload,
        expiresAt: record.expiresAt,
      } as const;
      if (!(await this.journalWrite(write, durableError))) continue;
      this.bookkeeping.afterWrite(id, { durable: "journalled", cache: CACHE_WRITTEN });
      return sessionOfRecord(record);
    }
    throw new ConcurrentUpdateError(id);
  }

  /** Replaces the cache's live session with a tombstone; false when it holds none. */
  async delete(id: string, durableError: unknown): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id, durableError);
      if (!current) return false;
      const tombstone = encodeTombstone(recordOf(current, ""));
      const write = {
        op: "delete",
        sessionId: id,
        payload: tombstone,
        expiresAt: current.expiresAt,
      } as const;
      if (!(await this.journalWrite(write, durableError))) continue;
      this.bookkeeping.afterWrite(id, { durable: "journalled", cache: CACHE_WRITTEN });
      return true;
    }
    throw new ConcurrentUpdateError(id);
  }

  /** The live session as the cache holds it; without DynamoDB nothing else can tell. */
  private async currentFromCache(id: string, durableError: unknown): Promise<Session | null> {
    const cached = await this.cache.lookup(id);
    if (cached.state === "error") throw writeFailure(durableError, true);
    if (cached.state === "miss") {
      throw new StoreUnavailableError(
        "dynamodb",
        "DynamoDB did not answer and the cache does not hold the session; nothing was written",
      );
    }
    return cached.session;
  }

  /**
   * The cache write and its journal entry in one step, then a replica's confirmation. False when
   * the cache holds a newer copy (nothing written); throws when the write may not survive.
   */
  private async journalWrite(write: JournalledWrite, durableError: unknown): Promise<boolean> {
    const journal = SessionJournal.field(write);
    let result: number;
    try {
      result = await this.cache.writeResult(
        write.sessionId,
        write.payload,
        write.expiresAt,
        journal,
      );
    } catch (error) {
      if (neverReachedCache(error)) throw writeFailure(durableError, true);
      throw new OutcomeUnknownError(
        "DynamoDB did not answer and the cache did not confirm the journalled write; it may have been applied",
        { cause: error },
      );
    }
    if (result === 0) return false;
    this.journal.appended();
    let replicated = false;
    try {
      replicated = await this.cache.replicated(write.sessionId, this.replicaTimeoutMs, { journal });
    } catch {
      replicated = false;
    }
    if (!replicated) {
      throw new OutcomeUnknownError(
        "DynamoDB did not answer and no replica confirmed the journalled write in time; it may survive or not",
      );
    }
    return true;
  }
}

const sameCopy = (a: Session, b: Session): boolean => payloadOf(a) === payloadOf(b);
