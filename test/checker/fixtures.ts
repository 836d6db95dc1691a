import type { FinalObservation } from "../../checker/checkHistory";
import { History, type InvokeOptions, type OpKind } from "../../checker/History";
import type { JsonValue, Session, SessionSource } from "../../store";
import { encodeRecord } from "../../store/SessionRecord";

/** Epoch milliseconds the fake clock starts at: 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000_000;
/** Expiry (epoch seconds) of a session created at T0 with a 600 s TTL. */
export const EXPIRES = T0 / 1000 + 600;

export const ID_A = "AAAAAAAAAAAAAAAAAAAAAAAA";
export const ID_B = "BBBBBBBBBBBBBBBBBBBBBBBB";

/** A deterministic clock: each reading is 10 ms after the last, and tests may jump it ahead. */
export class FakeClock {
  private t = T0;
  readonly now = (): number => {
    const t = this.t;
    this.t += 10;
    return t;
  };
  advance(ms: number): void {
    this.t += ms;
  }
}

export function newHistory(): { history: History; clock: FakeClock } {
  const clock = new FakeClock();
  return { history: new History(clock.now), clock };
}

export function session(
  version: number,
  data: JsonValue,
  options: { id?: string; expiresAt?: number; source?: SessionSource; createdAt?: number } = {},
): Session {
  return {
    id: options.id ?? ID_A,
    data,
    version,
    createdAt: options.createdAt ?? T0,
    updatedAt: options.createdAt ?? T0,
    expiresAt: options.expiresAt ?? EXPIRES,
    source: options.source ?? "dynamodb",
  };
}

/** The bytes both stores would hold for `s`, made by the store's own encoder. */
export const payloadOf = (s: Session): string => encodeRecord(s, s.data).payload;

/** A healthy end state: the read, the cache and DynamoDB all hold `s` (or nothing). */
export function healthy(s: Session | null, observedAt = T0 + 60_000): FinalObservation {
  if (!s) return { read: null, cache: null, durable: null, observedAt };
  const copy = { version: s.version, payload: payloadOf(s), expiresAt: s.expiresAt };
  return { read: s, cache: { ...copy }, durable: { ...copy }, observedAt };
}

/** One operation that completes before the next begins. */
export function done(
  history: History,
  user: string,
  op: OpKind,
  id: string | undefined,
  result: Session | null | boolean,
  input: InvokeOptions = {},
): void {
  history.invoke(user, op, id, input).ok(result);
}

/** An error shaped like the store's StoreUnavailableError: a stable `code`. */
export class Unavailable extends Error {
  readonly code = "STORE_UNAVAILABLE";
  constructor() {
    super("DynamoDB did not answer; nothing was written");
    this.name = "StoreUnavailableError";
  }
}

/** A request that timed out: the store may or may not have applied it. */
export class TimedOut extends Error {
  constructor() {
    super("no answer within 250 ms");
    this.name = "TimeoutError";
  }
}
