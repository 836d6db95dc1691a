import { MAX_WRITE_ATTEMPTS } from "./config";
import { durableFailure } from "./durableFailure";
import { ConcurrentUpdateError, StoreUnavailableError } from "./errors";
import type { JournalWrite } from "./JournalEntry";
import type { ReplayJournal } from "./ReplayJournal";
import type { Session } from "./Session";
import {
  assertStorable,
  encodeTombstone,
  recordOf,
  type SessionChange,
  type SessionRecord,
  sessionOfRecord,
} from "./SessionRecord";
import type { ValkeyCache } from "./ValkeyCache";
import { CACHE_WRITTEN, type WriteBookkeeping } from "./WriteBookkeeping";

/**
 * Writes acknowledged without DynamoDB: while it does not answer (`durableFailurePolicy: "journal"`),
 * or while the journal holds writes not yet replayed into it. The cache's compare-and-set decides
 * between concurrent writers, then the write is appended to the replay journal; if the journal
 * cannot take it, the write is taken back out of the cache, so nothing unacknowledged stays readable.
 */
export class JournalledWrites {
  constructor(
    private readonly cache: ValkeyCache,
    private readonly journal: ReplayJournal,
    private readonly bookkeeping: WriteBookkeeping,
  ) {}

  /** Acknowledges a create the cache has already taken and DynamoDB has not. */
  async create(record: SessionRecord): Promise<void> {
    await this.journalOrUndo({ op: "create", record }, record.id, record.payload);
    this.bookkeeping.afterWrite(record.id, { durable: "journalled", cache: CACHE_WRITTEN });
  }

  /** Applies `change` to the cache's current version; null when the cache holds no live session. */
  async mutate(id: string, change: SessionChange): Promise<Session | null> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id);
      if (!current) return null;
      const record = change(current, Date.now());
      assertStorable(record);
      if (!(await this.casCache(id, record.payload, record.expiresAt))) continue;
      await this.journalOrUndo({ op: "put", record }, id, record.payload);
      this.bookkeeping.afterWrite(id, { durable: "journalled", cache: CACHE_WRITTEN });
      return sessionOfRecord(record);
    }
    throw new ConcurrentUpdateError(id);
  }

  /** Replaces the cache's live session with a tombstone; false when it holds none. */
  async delete(id: string): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.currentFromCache(id);
      if (!current) return false;
      const tombstone = encodeTombstone(recordOf(current, ""));
      if (!(await this.casCache(id, tombstone, current.expiresAt))) continue;
      await this.journalOrUndo({ op: "delete", id, version: current.version + 1 }, id, tombstone);
      this.bookkeeping.afterWrite(id, { durable: "journalled", cache: CACHE_WRITTEN });
      return true;
    }
    throw new ConcurrentUpdateError(id);
  }

  /** The live session as the cache holds it; without DynamoDB nothing else can tell. */
  private async currentFromCache(id: string): Promise<Session | null> {
    const cached = await this.cache.lookup(id);
    if (cached.state === "error") throw durableFailure(cached.error, true);
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
      return await this.cache.setIfNewer(id, payload, expiresAt);
    } catch (error) {
      throw durableFailure(error, true);
    }
  }

  /** Journals a write already in the cache; if the journal fails, takes the write back out. */
  private async journalOrUndo(write: JournalWrite, id: string, payload: string): Promise<void> {
    try {
      await this.journal.append(write);
    } catch (error) {
      await this.cache.forget(id, payload);
      throw new StoreUnavailableError(
        "both",
        "DynamoDB did not answer and the journal could not be written; nothing was acknowledged",
        { cause: error },
      );
    }
  }
}
