import type { DynamoDurable } from "./DynamoDurable";
import { type JournalWrite, journalEntriesOf, journalFields } from "./JournalEntry";
import type { SessionRecord } from "./SessionRecord";
import type { StoreStats } from "./StoreStats";
import type { ValkeyCommands } from "./ValkeyCache";

/** What a replay writes to DynamoDB: version-conditional writes only. */
export type ReplayTarget = Pick<DynamoDurable, "putNew" | "putIfNewer" | "deleteIfOlder">;

/** Entries replayed per round trip. */
const BATCH = 100;

/** What one drain did: whether the journal is now empty, and how many entries it replayed. */
export interface DrainResult {
  drained: boolean;
  replayed: number;
}

/**
 * The replay journal: a Valkey stream (`<keyPrefix>journal`) of writes acknowledged without
 * DynamoDB, replayed into it when it answers again. Every replay is conditional on the version, so
 * replaying an entry twice (two store instances, or a crash between apply and remove) changes nothing.
 */
export class ReplayJournal {
  /** True while the journal may hold entries not yet in DynamoDB. */
  dirty = false;
  private draining: Promise<DrainResult> | undefined;
  private readonly key: string;

  /**
   * `onConflict` takes a replayed create's copy out of the cache when a live session took its id
   * in DynamoDB meanwhile.
   */
  constructor(
    private readonly valkey: ValkeyCommands,
    private readonly durable: ReplayTarget,
    keyPrefix: string,
    private readonly onConflict: (id: string, payload: string) => Promise<void>,
    private readonly stats: StoreStats,
  ) {
    this.key = `${keyPrefix}journal`;
  }

  /** Looks for entries a previous process left; an unreachable cache leaves it assumed clean. */
  async resume(): Promise<void> {
    try {
      this.dirty = Number(await this.valkey.customCommand("get", ["XLEN", this.key])) > 0;
    } catch {
      this.dirty = false;
    }
  }

  async append(write: JournalWrite): Promise<void> {
    await this.valkey.customCommand("write", ["XADD", this.key, "*", ...journalFields(write)]);
    this.dirty = true;
    this.stats.journal.appended += 1;
  }

  /** Replays every entry into DynamoDB (one drain at a time, shared by those who ask meanwhile). */
  drain(): Promise<DrainResult> {
    if (!this.dirty) return Promise.resolve({ drained: true, replayed: 0 });
    this.draining ??= this.replayAll().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async replayAll(): Promise<DrainResult> {
    let replayed = 0;
    try {
      for (;;) {
        const batch = ["XRANGE", this.key, "-", "+", "COUNT", String(BATCH)];
        const entries = journalEntriesOf(await this.valkey.customCommand("get", batch));
        if (entries.length === 0) {
          this.dirty = false;
          return { drained: true, replayed };
        }
        for (const { fields } of entries) await this.apply(fields);
        const streamIds = entries.map((e) => e.streamId);
        await this.valkey.customCommand("delete", ["XDEL", this.key, ...streamIds]);
        this.stats.journal.replayed += entries.length;
        replayed += entries.length;
      }
    } catch {
      return { drained: false, replayed };
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
      await this.onConflict(id, payload);
      return;
    }
    await this.durable.putIfNewer(record);
  }
}
