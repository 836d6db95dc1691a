import { InvalidSessionDataError, InvalidTtlError, SessionTooLargeError } from "./errors";
import type { JsonValue, Session, SessionSource } from "./Session";
import { ITEM_ATTRIBUTES, SESSION_TABLE } from "./TableSchema";

/** A session as both stores hold it: the serialised bytes plus the fields conditions need. */
export interface SessionRecord {
  id: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** The exact string both stores hold for this version. */
  payload: string;
}

/** DynamoDB's item size limit, in bytes. */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;
/** Upper bound of the stored size of one DynamoDB Number (at most 38 digits: 20 bytes + 1). */
const NUMBER_SIZE_BOUND = 21;

/**
 * Serialises a session. The first fields are fixed (`version`, then `createdAt`) so that the cache's
 * compare-and-set script can order two payloads without decoding the data.
 */
export function encodeRecord(
  fields: Omit<SessionRecord, "payload">,
  data: JsonValue,
): SessionRecord {
  const payload = `{"version":${fields.version},"createdAt":${fields.createdAt},"updatedAt":${fields.updatedAt},"expiresAt":${fields.expiresAt},"id":${JSON.stringify(fields.id)},"data":${JSON.stringify(data)}}`;
  return { ...fields, payload };
}

/** The exact payload both stores hold for this version of a session. */
export function payloadOf(session: Session): string {
  const { id, version, createdAt, updatedAt, expiresAt } = session;
  return encodeRecord({ id, version, createdAt, updatedAt, expiresAt }, session.data).payload;
}

/** The version and createdAt a payload (a session's or a tombstone's) starts with. */
export function orderOf(payload: string): { version: number; createdAt: number; payload: string } {
  const m = /^\{"version":(\d+),"createdAt":(\d+),/.exec(payload);
  if (!m) throw new TypeError("not a session payload");
  return { version: Number(m[1]), createdAt: Number(m[2]), payload };
}

/** A tombstone: marks a deleted session in the cache so that an older copy cannot be restored. */
export function encodeTombstone(deleted: SessionRecord): string {
  return `{"version":${deleted.version + 1},"createdAt":${deleted.createdAt},"deleted":true}`;
}

interface DecodedPayload {
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  id: string;
  data: JsonValue;
  deleted?: true;
}

/** The session a payload holds, or null for a tombstone. */
export function decodePayload(payload: string, source: SessionSource): Session | null {
  const p = JSON.parse(payload) as DecodedPayload;
  if (p.deleted) return null;
  return {
    id: p.id,
    data: p.data,
    version: p.version,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    expiresAt: p.expiresAt,
    source,
  };
}

/** A change to a session: the record of its next version, made at `nowMs` (epoch milliseconds). */
export type SessionChange = (current: Session, nowMs: number) => SessionRecord;

/**
 * The record of the version after `current`, holding `data`, with the times in `times` replacing
 * the current ones (`updatedAt` in epoch milliseconds, `expiresAt` in epoch seconds).
 */
export function nextVersion(
  current: Session,
  data: JsonValue,
  times: Partial<Pick<SessionRecord, "updatedAt" | "expiresAt">>,
): SessionRecord {
  const { id, createdAt, updatedAt, expiresAt } = current;
  return encodeRecord(
    { id, version: current.version + 1, createdAt, updatedAt, expiresAt, ...times },
    data,
  );
}

/** The session a record just written holds, as the write returns it. */
export function sessionOfRecord(record: SessionRecord): Session {
  const session = decodePayload(record.payload, "dynamodb");
  if (!session) throw new Error("a session record decoded as a tombstone");
  return session;
}

export function recordOf(session: Session, payload: string): SessionRecord {
  const { id, version, createdAt, updatedAt, expiresAt } = session;
  return { id, version, createdAt, updatedAt, expiresAt, payload };
}

/** Throws InvalidTtlError unless `ttl` is a positive integer number of seconds. */
export function assertTtl(ttl: unknown): asserts ttl is number {
  if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new InvalidTtlError(
      `TTL must be a positive integer number of seconds; got ${String(ttl)}`,
    );
  }
}

/** Integer epoch seconds `ttlSeconds` from `nowMs`, rounded up so a session lives at least that long. */
export function expiryFrom(nowMs: number, ttlSeconds: number): number {
  return Math.ceil(nowMs / 1000) + ttlSeconds;
}

/** Whether a session expiring at `expiresAt` (epoch seconds) is still live at `nowMs`. */
export function isLive(expiresAt: number, nowMs = Date.now()): boolean {
  return expiresAt > Math.floor(nowMs / 1000);
}

/**
 * Throws InvalidSessionDataError unless `data` survives a JSON round trip unchanged: no functions,
 * symbols, BigInts, non-finite numbers, cycles, `undefined` (except as an object property, which JSON
 * omits), or objects JSON would flatten (Map, Set, class instances without toJSON).
 */
export function assertJsonData(data: unknown): asserts data is JsonValue {
  const fail = (path: string, what: string): never => {
    throw new InvalidSessionDataError(`session data is not JSON-serialisable: ${what} at ${path}`);
  };
  const ancestors = new Set<object>();
  const visit = (value: unknown, path: string, inObject: boolean): void => {
    switch (typeof value) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(value)) fail(path, `non-finite number ${value}`);
        return;
      case "undefined":
        if (!inObject) fail(path, "undefined");
        return;
      case "function":
        fail(path, "a function");
        return;
      case "symbol":
        fail(path, "a symbol");
        return;
      case "bigint":
        fail(path, "a BigInt");
        return;
    }
    if (value === null) return;
    const obj = value as object;
    if (typeof (obj as { toJSON?: unknown }).toJSON === "function") return;
    if (ancestors.has(obj)) fail(path, "a cycle");
    const proto = Object.getPrototypeOf(obj);
    const isArray = Array.isArray(obj);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      fail(path, `an instance of ${obj.constructor?.name ?? "a class"}`);
    }
    ancestors.add(obj);
    if (isArray) {
      (obj as unknown[]).forEach((item, i) => {
        visit(item, `${path}[${i}]`, false);
      });
    } else {
      for (const [key, item] of Object.entries(obj)) visit(item, `${path}.${key}`, true);
    }
    ancestors.delete(obj);
  };
  visit(data, "data", false);
}

/** DynamoDB's size of the item that stores `record` (attribute names + values, numbers bounded above). */
export function itemSizeBytes(record: SessionRecord): number {
  return (
    SESSION_TABLE.partitionKey.length +
    Buffer.byteLength(record.id) +
    ITEM_ATTRIBUTES.payload.length +
    Buffer.byteLength(record.payload) +
    ITEM_ATTRIBUTES.version.length +
    NUMBER_SIZE_BOUND +
    SESSION_TABLE.ttlAttribute.length +
    NUMBER_SIZE_BOUND
  );
}

export function assertStorable(record: SessionRecord): void {
  const size = itemSizeBytes(record);
  if (size > DYNAMODB_ITEM_LIMIT_BYTES)
    throw new SessionTooLargeError(size, DYNAMODB_ITEM_LIMIT_BYTES);
}
