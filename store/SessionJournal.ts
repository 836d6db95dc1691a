import { Script } from "@valkey/valkey-glide";
import { JOURNAL_BUCKETS, journalKey } from "./cacheKey";
import { orderOf, type SessionRecord } from "./SessionRecord";
import type { StoreStats } from "./StoreStats";
import type { JournalField, ValkeyCommands } from "./ValkeyCache";

/** A write acknowledged without DynamoDB: the payload the cache took (a tombstone for a delete). */
export interface JournalledWrite {
  op: "put" | "delete";
  sessionId: string;
  payload: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** What a replay writes to DynamoDB: writes conditional on the order of the copy it holds. */
export interface ReplayTarget {
  putIfNewer(record: SessionRecord): Promise<boolean>;
  putTombstoneIfNewer(tombstone: SessionRecord): Promise<boolean>;
}

/** What one drain did: whether every bucket is now empty, and how many writes it replayed. */
export interface DrainResult {
  drained: boolean;
  replayed: number;
}

/** DynamoDB could not take a replay; `cause` is its failure. The cache itself answered. */
export class ReplayFailure extends Error {
  constructor(readonly durableError: unknown) {
    super("DynamoDB could not take the journal's write", { cause: durableError });
  }
}

/** KEYS: a bucket's journal. ARGV: session id, value. Removes the entry while it holds exactly that. */
const REMOVE_IF_EQUAL = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * The shared journal: writes acknowledged while DynamoDB did not answer, kept in the cache beside
 * the sessions they concern (one hash per bucket, in the bucket's hash slot), so every app server
 * sees them, drains them, and consults them before it trusts DynamoDB for a session. A write is
 * journalled in the same Lua step as its cache write (ValkeyCache.write) and acknowledged once a
 * replica holds it. Replays are conditional on the order of copies (createdAt, version, bytes), so
 * replaying one twice, or from two servers at once, changes nothing.
 */
export class SessionJournal {
  /** True while this process knows of, or has not yet looked for, entries DynamoDB lacks. */
  dirty = true;
  private draining: Promise<DrainResult> | undefined;
  private readonly removeScript = new Script(REMOVE_IF_EQUAL);

  constructor(
    private readonly valkey: ValkeyCommands,
    private readonly durable: ReplayTarget,
    private readonly keyPrefix: string,
    private readonly stats: StoreStats,
  ) {}

  /** The journal entry a cache write carries, so both happen in one step. */
  static field(write: JournalledWrite): JournalField {
    return {
      sessionId: write.sessionId,
      value: JSON.stringify({ op: write.op, expiresAt: write.expiresAt, payload: write.payload }),
    };
  }

  /** Counts a write the cache journalled, and makes the next maintenance round drain. */
  appended(): void {
    this.dirty = true;
    this.stats.journal.appended += 1;
  }

  /** The write the journal holds for this session, if any; rejects when the cache cannot tell. */
  async pendingFor(sessionId: string, bucket: number): Promise<JournalledWrite | null> {
    const value = await this.valueFor(sessionId, bucket);
    return value === null ? null : parse(sessionId, value);
  }

  /**
   * Replays the one write the journal holds for this session, if any; true when DynamoDB now has it
   * (or something newer) and the entry is gone, false when there was none. Rejects with a
   * ReplayFailure when DynamoDB failed, with the cache's own error when the cache did.
   */
  async replayFor(sessionId: string, bucket: number): Promise<boolean> {
    const value = await this.valueFor(sessionId, bucket);
    if (value === null) return false;
    await this.replay(journalKey(this.keyPrefix, bucket), sessionId, value);
    return true;
  }

  /** Replays every bucket into DynamoDB (one drain at a time, shared by those who ask meanwhile). */
  drain(): Promise<DrainResult> {
    this.draining ??= this.replayAll().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  close(): void {
    this.removeScript.release();
  }

  private async replayAll(): Promise<DrainResult> {
    let replayed = 0;
    let drained = true;
    const buckets = Array.from({ length: JOURNAL_BUCKETS }, (_, b) =>
      journalKey(this.keyPrefix, b),
    );
    await Promise.all(
      buckets.map(async (key) => {
        try {
          const reply = await this.valkey.customCommand("get", ["HGETALL", key]);
          for (const [sessionId, value] of entriesOf(reply)) {
            await this.replay(key, sessionId, value);
            replayed += 1;
          }
        } catch {
          drained = false;
        }
      }),
    );
    if (drained) this.dirty = false;
    return { drained, replayed };
  }

  /** The raw entry the journal holds for this session, or null. */
  private async valueFor(sessionId: string, bucket: number): Promise<string | null> {
    const key = journalKey(this.keyPrefix, bucket);
    const value = await this.valkey.customCommand("get", ["HGET", key, sessionId]);
    return value === null || value === undefined ? null : String(value);
  }

  private async replay(key: string, sessionId: string, value: string): Promise<void> {
    const write = parse(sessionId, value);
    let taken: boolean;
    try {
      const { version, createdAt } = orderOf(write.payload);
      const { payload, expiresAt } = write;
      const record = { id: sessionId, version, createdAt, updatedAt: 0, expiresAt, payload };
      taken =
        write.op === "delete"
          ? await this.durable.putTombstoneIfNewer(record)
          : await this.durable.putIfNewer(record);
    } catch (error) {
      throw new ReplayFailure(error);
    }
    await this.valkey.script("delete", this.removeScript, [key], [sessionId, value]);
    this.stats.journal.replayed += 1;
    if (!taken) this.stats.journal.conflicts += 1;
  }
}

function parse(sessionId: string, value: string): JournalledWrite {
  const { op, expiresAt, payload } = JSON.parse(value) as Omit<JournalledWrite, "sessionId">;
  if ((op !== "put" && op !== "delete") || typeof payload !== "string") {
    throw new TypeError(`journal entry for ${sessionId} is not a journalled write`);
  }
  return { op, sessionId, expiresAt: Number(expiresAt), payload };
}

/** HGETALL as GLIDE decodes it: a list of { key, value } records. Any other shape throws. */
function entriesOf(reply: unknown): [string, string][] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) throw new TypeError("HGETALL reply is not a list");
  return reply.map((entry: unknown): [string, string] => {
    const { key, value } = (entry ?? {}) as { key?: unknown; value?: unknown };
    if (key === undefined || value === undefined)
      throw new TypeError("HGETALL entry is not a pair");
    return [String(key), String(value)];
  });
}
