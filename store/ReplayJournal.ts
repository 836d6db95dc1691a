import type { DynamoDurable } from "./DynamoDurable";
import type { SessionRecord } from "./SessionRecord";
import type { StoreStats } from "./StoreStats";
import type { ValkeyCache } from "./ValkeyCache";

/** A write acknowledged while DynamoDB was down, waiting to be replayed into it. */
export type JournalWrite =
  | { op: "create" | "put"; record: SessionRecord }
  | { op: "delete"; id: string; version: number };

/** Entries replayed per round trip. */
const BATCH = 100;

/**
 * The replay journal: a Valkey stream of writes acknowledged without DynamoDB, replayed into it
 * when it answers again. Every replay is conditional on the version, so replaying an entry twice
 * (two store instances, or a crash between apply and remove) changes nothing.
 */
export class ReplayJournal {
  /** True while the journal may hold entries not yet in DynamoDB. */
  dirty = false;
  private draining: Promise<boolean> | undefined;

  constructor(
    private readonly cache: ValkeyCache,
    private readonly durable: DynamoDurable,
    private readonly key: string,
    private readonly cacheKeyOf: (id: string) => string,
    private readonly stats: StoreStats,
  ) {}

  /** Looks for entries a previous process left; an unreachable cache leaves it assumed clean. */
  async resume(): Promise<void> {
    try {
      this.dirty = (await this.cache.journalLength(this.key)) > 0;
    } catch {
      this.dirty = false;
    }
  }

  async append(write: JournalWrite): Promise<void> {
    const fields: Record<string, string> =
      write.op === "delete"
        ? { op: "delete", id: write.id, version: String(write.version) }
        : {
            op: write.op,
            id: write.record.id,
            version: String(write.record.version),
            expiresAt: String(write.record.expiresAt),
            payload: write.record.payload,
          };
    await this.cache.journalAppend(this.key, fields);
    this.dirty = true;
    this.stats.journal.appended += 1;
  }

  /** Replays every entry into DynamoDB (one drain at a time); true when the journal is empty. */
  drain(): Promise<boolean> {
    if (!this.dirty) return Promise.resolve(true);
    this.draining ??= this.replayAll().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async replayAll(): Promise<boolean> {
    try {
      for (;;) {
        const entries = await this.cache.journalRead(this.key, BATCH);
        if (entries.length === 0) {
          this.dirty = false;
          return true;
        }
        for (const { fields } of entries) await this.apply(fields);
        await this.cache.journalRemove(
          this.key,
          entries.map((e) => e.streamId),
        );
        this.stats.journal.replayed += entries.length;
      }
    } catch {
      return false;
    }
  }

  private async apply(fields: Record<string, string>): Promise<void> {
    const id = fields.id ?? "";
    const version = Number(fields.version);
    if (fields.op === "delete") {
      await this.durable.deleteIfOlder(id, version);
      return;
    }
    const payload = fields.payload ?? "";
    const expiresAt = Number(fields.expiresAt);
    const record: SessionRecord = { id, version, createdAt: 0, updatedAt: 0, expiresAt, payload };
    if (fields.op === "create") {
      if (await this.durable.putNew(record, Math.floor(Date.now() / 1000))) return;
      // Another live session took the id meanwhile (only possible with caller-chosen ids): DynamoDB
      // keeps it, and the cache must stop serving ours.
      this.stats.journal.conflicts += 1;
      await this.cache.deleteIfEqual(this.cacheKeyOf(id), payload).catch(() => false);
      return;
    }
    await this.durable.putIfNewer(record);
  }
}
