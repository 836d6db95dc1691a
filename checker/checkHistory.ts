import { clip } from "../common/textTable";
import type { Session } from "../store";
import { excerptOf } from "./excerpt";
import type { FaultEvent, History, HistoryEvent, OperationEvent, ReturnedSession } from "./History";
import { ackedSession, isAcked, isWrite, type Operation, operationsOf } from "./Operation";

/** One store's raw copy of a session, read directly after the faults healed. */
export interface StoredCopy {
  version: number;
  /** The exact bytes the store holds. */
  payload: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** What the scenario observed of one session once every fault had healed. */
export interface FinalObservation {
  /** `store.get(id)` after healing. */
  read: Session | null;
  cache: StoredCopy | null;
  durable: StoredCopy | null;
  /**
   * Epoch milliseconds taken after the final read completed; decides whether a missing session
   * had simply expired. Default: the history's clock when checkHistory runs.
   */
  observedAt?: number;
}

export type FinalState =
  | ReadonlyMap<string, FinalObservation>
  | Readonly<Record<string, FinalObservation>>;

export type ViolationKind = "lost-write" | "stale-read" | "invented-read" | "ttl-parity";

export interface Violation {
  kind: ViolationKind;
  sessionId: string;
  /** One sentence a reader can act on. */
  message: string;
  /** The session's events around the violation (and the faults active then), in history order. */
  excerpt: HistoryEvent[];
  /** Indexes of the excerpt's events the violation is about. */
  focus: number[];
}

export interface VerdictSummary {
  sessions: number;
  operations: number;
  ok: number;
  failed: number;
  /** Invoked and never completed. */
  pending: number;
  /** Reads that completed ok, and where their answers came from. */
  reads: number;
  readsFromCache: number;
  readsFromDynamoDb: number;
  readsOfNothing: number;
  /** Fault starts. */
  faults: number;
  violations: Record<ViolationKind, number>;
  /** Time of the first event on the history's clock; excerpts are rendered relative to it. */
  startedAt: number;
}

export interface Verdict {
  ok: boolean;
  violations: Violation[];
  summary: VerdictSummary;
}

export interface CheckOptions {
  /**
   * The store's default TTL in seconds, for touches recorded without one. Default: unknown, and
   * such a touch is assumed to have set the shortest TTL there is (1 s), which only excuses more.
   */
  defaultTtlSeconds?: number;
  /** Events per violation excerpt. Default: 20. */
  excerptSize?: number;
}

interface AckedWrite {
  op: Operation;
  session: ReturnedSession;
}

/**
 * Decides whether the store kept its promises over a recorded history: no acknowledged write lost,
 * no read staler than what its user was already told, nothing returned that no write produced, and
 * both stores agreeing byte for byte on every surviving session.
 *
 * Operations are ordered by their position in the history, not by clock: A precedes B when A's
 * completion was recorded before B's invoke. Each session id is assumed to be created once (ids
 * the store issues are random), so versions only grow and a deleted session never comes back.
 */
export function checkHistory(
  history: History,
  final: FinalState,
  options: CheckOptions = {},
): Verdict {
  const events = history.events;
  const operations = operationsOf(events);
  const faults = events.filter((e): e is FaultEvent => e.type === "fault");
  const bySession = new Map<string, Operation[]>();
  for (const op of operations) {
    if (op.sessionId === undefined) continue;
    const list = bySession.get(op.sessionId) ?? [];
    list.push(op);
    bySession.set(op.sessionId, list);
  }
  const finalIds = final instanceof Map ? [...final.keys()] : Object.keys(final);
  const missing = [...bySession.keys()].filter((id) => observationOf(final, id) === undefined);
  if (missing.length > 0) {
    throw new Error(`checkHistory: no final observation of session(s) ${missing.join(", ")}`);
  }

  const now = history.now();
  const violations: Violation[] = [];
  for (const id of new Set([...bySession.keys(), ...finalIds])) {
    const observed = observationOf(final, id) as FinalObservation;
    const check = new SessionCheck(id, bySession.get(id) ?? [], faults, options);
    check.reads();
    check.finalState(observed, observed.observedAt ?? now);
    check.parity(observed);
    violations.push(...check.violations);
  }
  return {
    ok: violations.length === 0,
    violations,
    summary: summarise(operations, faults, bySession.size, violations, events[0]?.at ?? now),
  };
}

function observationOf(final: FinalState, id: string): FinalObservation | undefined {
  if (final instanceof Map) return (final as ReadonlyMap<string, FinalObservation>).get(id);
  return Object.hasOwn(final, id) ? (final as Record<string, FinalObservation>)[id] : undefined;
}

/** The rules, applied to one session's operations. */
class SessionCheck {
  readonly violations: Violation[] = [];
  private readonly acked: AckedWrite[];
  private readonly events: OperationEvent[];
  // Indexes built once, so a session with thousands of operations is checked in near-linear time.
  private readonly ackedByVersion = new Map<number, AckedWrite[]>();
  private readonly byUser = new Map<string, Operation[]>();
  private readonly writeStarts: number[];
  private readonly firstDeleteStart: number;

  constructor(
    private readonly id: string,
    private readonly ops: readonly Operation[],
    private readonly faults: readonly FaultEvent[],
    private readonly options: CheckOptions,
  ) {
    this.acked = ackedWrites(ops);
    this.events = ops
      .flatMap((op) => (op.completed ? [op.invoked, op.completed] : [op.invoked]))
      .sort((a, b) => a.index - b.index);
    for (const w of this.acked) {
      const same = this.ackedByVersion.get(w.session.version) ?? [];
      same.push(w);
      this.ackedByVersion.set(w.session.version, same);
    }
    for (const op of ops) {
      const mine = this.byUser.get(op.user) ?? [];
      mine.push(op);
      this.byUser.set(op.user, mine);
    }
    this.writeStarts = ops.filter(isWrite).map((op) => op.start);
    this.firstDeleteStart = ops.reduce(
      (first, op) => (op.op === "delete" ? Math.min(first, op.start) : first),
      Number.POSITIVE_INFINITY,
    );
  }

  /** Stale and invented reads: each read is judged against what its own user had been told. */
  reads(): void {
    for (const read of this.ops) {
      const done = read.completed;
      if (read.op !== "read" || done?.phase !== "ok") continue;
      const returned = done.result.kind === "session" ? done.result.session : null;
      const focus = [read.start, read.end];
      if (returned) {
        const why = this.inventedReason(returned, read.end);
        if (why) {
          this.report("invented-read", `${read.user}'s read at #${done.index} ${why}.`, focus);
          continue;
        }
      }
      const told = (this.byUser.get(read.user) ?? []).filter((o) => o.end < read.start);
      const deleted = latest(told.filter((o) => o.op === "delete" && isAcked(o)));
      if (deleted) {
        if (returned) {
          this.report(
            "stale-read",
            `${read.user}'s read at #${done.index} returned version ${returned.version} although ${read.user}'s delete had been acknowledged at #${deleted.end}.`,
            [...focus, deleted.end],
          );
        }
        continue;
      }
      const floor = highest(ackedWrites(told));
      if (!floor) continue;
      const floorFocus = [...focus, floor.op.end];
      if (returned) {
        if (returned.version < floor.session.version) {
          this.report(
            "stale-read",
            `${read.user}'s read at #${done.index} returned version ${returned.version} from the ${returned.source} after ${read.user} had been acknowledged version ${floor.session.version} at #${floor.op.end}.`,
            floorFocus,
          );
        }
        continue;
      }
      if (this.firstDeleteStart < read.end) continue;
      if (this.mayHaveExpired(floor.session, read.end, done.at)) continue;
      this.report(
        "stale-read",
        `${read.user}'s read at #${done.index} found no session after ${read.user} had been acknowledged version ${floor.session.version} at #${floor.op.end}, with no delete invoked and expiry at ${floor.session.expiresAt} s not yet reached.`,
        floorFocus,
      );
    }
  }

  /** Lost writes: the state after healing must be at least what was last acknowledged. */
  finalState(observed: FinalObservation, observedAt: number): void {
    const read = observed.read;
    const last = highest(this.acked);
    const lastEvent = this.events.at(-1)?.index;
    const endFocus = lastEvent === undefined ? [] : [lastEvent];
    const deleted = latest(
      this.ops.filter((o) => o.op === "delete" && isAcked(o) && o.start > (last?.op.end ?? -1)),
    );
    if (deleted) {
      if (read) {
        this.report(
          "lost-write",
          `${deleted.user}'s delete was acknowledged at #${deleted.end}, after every acknowledged write, but the final read still returned version ${read.version}.`,
          [deleted.start, deleted.end, ...endFocus],
        );
      }
      return;
    }
    if (!last) {
      const why = read && this.inventedReason(returnedOf(read), Number.POSITIVE_INFINITY);
      if (why) this.report("invented-read", `The final read ${why}.`, endFocus);
      return;
    }
    const acked = last.session;
    const ackedTo = `${last.op.user} at #${last.op.end}`;
    const focus = [last.op.start, last.op.end, ...endFocus];
    if (!read) {
      if (this.ops.some((o) => o.op === "delete" && o.end > last.op.start)) return;
      if (this.mayHaveExpired(acked, Number.POSITIVE_INFINITY, observedAt)) return;
      this.report(
        "lost-write",
        `Version ${acked.version} (${last.op.op}) was acknowledged to ${ackedTo} and never deleted, yet the final read found no session before its expiry at ${acked.expiresAt} s.`,
        focus,
      );
    } else if (read.version < acked.version) {
      this.report(
        "lost-write",
        `The final read returned version ${read.version}, older than version ${acked.version} (${last.op.op}) acknowledged to ${ackedTo}.`,
        focus,
      );
    } else if (read.version === acked.version) {
      const returned = returnedOf(read);
      if (returned.dataJson !== acked.dataJson || returned.expiresAt !== acked.expiresAt) {
        this.report(
          "lost-write",
          `The final read returned version ${read.version} as ${describe(returned)}, but ${ackedTo} was acknowledged it as ${describe(acked)}.`,
          focus,
        );
      }
    } else {
      const why = this.inventedReason(returnedOf(read), Number.POSITIVE_INFINITY);
      if (why) this.report("invented-read", `The final read ${why}.`, focus);
    }
  }

  /** TTL parity: a surviving session has the same bytes and expiry in both stores and in the read. */
  parity(observed: FinalObservation): void {
    const { read, cache, durable } = observed;
    if (!read) return;
    const lastEvent = this.events.at(-1)?.index;
    const focus = lastEvent === undefined ? [] : [lastEvent];
    if (!durable) {
      this.report(
        "ttl-parity",
        `The final read returned version ${read.version} from the ${read.source}, but DynamoDB holds no item for the session.`,
        focus,
      );
      return;
    }
    if (cache && cache.payload !== durable.payload) {
      this.report(
        "ttl-parity",
        `The cache holds version ${cache.version} and DynamoDB version ${durable.version}, and their payloads differ.`,
        focus,
      );
    }
    if (cache && cache.expiresAt !== durable.expiresAt) {
      this.report(
        "ttl-parity",
        `The cache expires the session at ${cache.expiresAt} s but DynamoDB at ${durable.expiresAt} s.`,
        focus,
      );
    }
    if (read.expiresAt !== durable.expiresAt) {
      this.report(
        "ttl-parity",
        `The final read says the session expires at ${read.expiresAt} s but DynamoDB holds ${durable.expiresAt} s.`,
        focus,
      );
    }
  }

  /**
   * Why no write invoked before event `before` could have produced `returned`, or undefined if
   * one could: an acknowledged write of that version (same data and expiry), or a write that
   * failed or never completed and so may have taken effect with a version nobody was told.
   */
  private inventedReason(returned: ReturnedSession, before: number): string | undefined {
    const { version, dataJson } = returned;
    const sameVersion = this.ackedByVersion.get(version) ?? [];
    const earlier = sameVersion.filter((w) => w.op.start < before);
    if (sameVersion.length > 0) {
      if (earlier.some((w) => sameState(w.session, returned))) return undefined;
      const known = earlier[0]?.session;
      return known
        ? `returned version ${version} as ${describe(returned)}, but it was acknowledged as ${describe(known)}`
        : `returned version ${version} before the write that produced it was invoked`;
    }
    const invoked = countBelow(this.writeStarts, before);
    if (version < 1 || version > invoked) {
      return `returned version ${version}, but only ${invoked} write(s) of the session had been invoked`;
    }
    const writes = this.ops.filter((o) => isWrite(o) && o.start < before);
    const unacked = writes.filter((o) => !isAcked(o));
    const knownData = new Set<string>([
      ...this.acked.filter((w) => w.op.start < before).map((w) => w.session.dataJson),
      ...writes.flatMap((o) => (o.invoked.input.dataJson ? [o.invoked.input.dataJson] : [])),
    ]);
    const producible = unacked.some((o) => {
      if (o.op === "create") return version === 1 && o.invoked.input.dataJson === dataJson;
      if (o.op === "update") return version > 1 && o.invoked.input.dataJson === dataJson;
      // A touch keeps whatever data the session had.
      return version > 1 && knownData.has(dataJson);
    });
    return producible
      ? undefined
      : `returned version ${version} with data ${clip(dataJson)}, which no write of the session carried`;
  }

  /**
   * Whether the session, last known at `floor`, may have expired by `atMs`: its expiry or that of
   * any later acknowledged write has passed, or a touch that was never acknowledged may have set
   * an earlier one (at least its TTL after it was invoked).
   */
  private mayHaveExpired(floor: ReturnedSession, before: number, atMs: number): boolean {
    let earliest = floor.expiresAt;
    for (const op of this.ops) {
      if (op.start >= before) continue;
      const session = ackedSession(op);
      if (session) {
        if (session.version > floor.version) earliest = Math.min(earliest, session.expiresAt);
      } else if (op.op === "touch" && !isAcked(op)) {
        const ttl = op.invoked.input.ttlSeconds ?? this.options.defaultTtlSeconds ?? 1;
        earliest = Math.min(earliest, Math.ceil(op.invoked.at / 1000) + ttl);
      }
    }
    // The store treats a session as gone once its expiry second is not after the current second.
    return earliest <= Math.floor(atMs / 1000);
  }

  private report(kind: ViolationKind, message: string, focus: number[]): void {
    const limit = this.options.excerptSize ?? 20;
    const excerpt = excerptOf(this.events, this.faults, focus, limit);
    this.violations.push({ kind, sessionId: this.id, message, excerpt, focus });
  }
}

function ackedWrites(ops: readonly Operation[]): AckedWrite[] {
  return ops.flatMap((op) => {
    const session = ackedSession(op);
    return session ? [{ op, session }] : [];
  });
}

/** How many of the ascending `values` are below `limit` (a binary search). */
function countBelow(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] ?? limit) < limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The operation completed last; undefined for none. */
function latest(ops: readonly Operation[]): Operation | undefined {
  return ops.reduce<Operation | undefined>((a, b) => (a && a.end >= b.end ? a : b), undefined);
}

/** The acknowledged write of the highest version; undefined for none. */
function highest(writes: readonly AckedWrite[]): AckedWrite | undefined {
  return writes.reduce<AckedWrite | undefined>(
    (a, b) => (a && a.session.version >= b.session.version ? a : b),
    undefined,
  );
}

const sameState = (a: ReturnedSession, b: ReturnedSession): boolean =>
  a.dataJson === b.dataJson && a.expiresAt === b.expiresAt;

function returnedOf(session: Session): ReturnedSession {
  const { version, data, expiresAt, source } = session;
  return { version, dataJson: JSON.stringify(data), expiresAt, source };
}

const describe = (s: ReturnedSession): string =>
  `data ${clip(s.dataJson)} expiring at ${s.expiresAt} s`;

function summarise(
  operations: readonly Operation[],
  faults: readonly FaultEvent[],
  sessions: number,
  violations: readonly Violation[],
  startedAt: number,
): VerdictSummary {
  const summary: VerdictSummary = {
    sessions,
    operations: operations.length,
    ok: 0,
    failed: 0,
    pending: 0,
    reads: 0,
    readsFromCache: 0,
    readsFromDynamoDb: 0,
    readsOfNothing: 0,
    faults: faults.filter((f) => f.action === "start").length,
    violations: { "lost-write": 0, "stale-read": 0, "invented-read": 0, "ttl-parity": 0 },
    startedAt,
  };
  for (const op of operations) {
    const done = op.completed;
    if (!done) summary.pending++;
    else if (done.phase === "fail") summary.failed++;
    else {
      summary.ok++;
      if (op.op !== "read") continue;
      summary.reads++;
      if (done.result.kind !== "session") summary.readsOfNothing++;
      else if (done.result.session.source === "cache") summary.readsFromCache++;
      else summary.readsFromDynamoDb++;
    }
  }
  for (const v of violations) summary.violations[v.kind]++;
  return summary;
}
