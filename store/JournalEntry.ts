import type { SessionRecord } from "./SessionRecord";

/** A write acknowledged while DynamoDB was down, waiting to be replayed into it. */
export type JournalWrite =
  | { op: "create" | "put"; record: SessionRecord }
  | { op: "delete"; id: string; version: number };

/** One entry of the journal stream: its stream id and its fields. */
export interface JournalEntry {
  streamId: string;
  fields: Record<string, string>;
}

/** The field-value pairs of `write`, flat, as XADD takes them. */
export function journalFields(write: JournalWrite): string[] {
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
  return Object.entries(fields).flat();
}

/**
 * The entries of an XRANGE reply as GLIDE decodes it: a record per entry, keyed by stream id, whose
 * value is the list of [field, value] pairs. Throws on any other shape rather than skip an entry.
 */
export function journalEntriesOf(reply: unknown): JournalEntry[] {
  if (!Array.isArray(reply)) throw new TypeError("XRANGE reply is not a list");
  return reply.map((entry: unknown): JournalEntry => {
    const { key, value } = (entry ?? {}) as { key?: unknown; value?: unknown };
    if (key === undefined || !Array.isArray(value)) {
      throw new TypeError("XRANGE entry is not a stream id with its fields");
    }
    const fields = value.map((pair: unknown) => {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new TypeError("XRANGE field is not a pair");
      return [String(pair[0]), String(pair[1])] as const;
    });
    return { streamId: String(key), fields: Object.fromEntries(fields) };
  });
}
