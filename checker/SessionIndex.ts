import { clip } from "../common/textTable";
import type { ReturnedSession } from "./History";
import { ackedSession, isWrite, type Operation } from "./Operation";
import { compareKeys, type SessionKey } from "./order";

/** A create, update or touch that completed ok, with the session it acknowledged. */
export interface AckedWrite {
  readonly op: Operation;
  readonly session: ReturnedSession;
}

/** A delete that completed ok, and the incarnations it certainly removed. */
export interface AckedDelete {
  readonly op: Operation;
  /**
   * The createdAt of the newest incarnation acknowledged before the delete was invoked: every copy
   * created at or before it is gone once the delete completes. -Infinity when none was.
   */
  readonly removesUpTo: number;
}

/** Where a copy could have come from; `known` when some write may have produced it. */
export type Origin =
  | { readonly kind: "known" }
  | {
      readonly kind: "refused-visible" | "invented-read";
      readonly reason: string;
      readonly ops: Operation[];
    };

/** One session's operations, indexed once so that each rule costs little per operation. */
export class SessionIndex {
  /** Acknowledged writes in order of completion. */
  readonly acked: AckedWrite[];
  /** Acknowledged deletes in order of completion. */
  readonly deletes: AckedDelete[];
  /** Deletes that may have taken effect (all but those that failed), in order of invoke. */
  readonly removals: Operation[];
  /** Whether the id was created more than once (incarnations must be told apart). */
  readonly recreated: boolean;
  private readonly newestUpTo: AckedWrite[] = [];
  private readonly byIncarnationVersion = new Map<string, AckedWrite[]>();
  private readonly writeStarts: number[];
  private readonly possibleWriteStarts: number[];
  private readonly unacked: Operation[];
  private readonly failed: Operation[];

  constructor(
    readonly id: string,
    readonly ops: readonly Operation[],
    private readonly defaultTtlSeconds: number | undefined,
  ) {
    this.acked = ops
      .flatMap((op) => {
        const session = ackedSession(op);
        return session ? [{ op, session }] : [];
      })
      .sort((a, b) => a.op.end - b.op.end);
    let newest: AckedWrite | undefined;
    for (const w of this.acked) {
      if (!newest || compareKeys(w.session, newest.session) > 0) newest = w;
      this.newestUpTo.push(newest);
      const key = incarnationVersion(w.session);
      const same = this.byIncarnationVersion.get(key) ?? [];
      same.push(w);
      this.byIncarnationVersion.set(key, same);
    }
    this.deletes = ops
      .filter((op) => op.op === "delete" && op.outcome === "ok")
      .sort((a, b) => a.end - b.end)
      .map((op) => ({
        op,
        removesUpTo: this.ackedBefore(op.start).reduce(
          (most, w) => Math.max(most, w.session.createdAt),
          Number.NEGATIVE_INFINITY,
        ),
      }));
    this.removals = ops.filter((op) => op.op === "delete" && op.outcome !== "fail");
    const writes = ops.filter(isWrite);
    this.writeStarts = writes.map((op) => op.start);
    this.possibleWriteStarts = writes.filter((op) => op.outcome !== "fail").map((op) => op.start);
    this.unacked = writes.filter((op) => op.outcome === "info" || op.outcome === "pending");
    this.failed = writes.filter((op) => op.outcome === "fail");
    this.recreated = new Set(this.acked.map((w) => w.session.createdAt)).size > 1;
  }

  /** Writes acknowledged before event `index`, in order of completion. */
  ackedBefore(index: number): AckedWrite[] {
    return this.acked.slice(
      0,
      countBelow(this.acked, index, (w) => w.op.end),
    );
  }

  /** The newest (in the store's order) write acknowledged before event `index`. */
  newestAckedBefore(index: number): AckedWrite | undefined {
    const n = countBelow(this.acked, index, (w) => w.op.end);
    return n > 0 ? this.newestUpTo[n - 1] : undefined;
  }

  /** The newest write acknowledged at all. */
  newestAcked(): AckedWrite | undefined {
    return this.newestUpTo.at(-1);
  }

  /**
   * Whether some write invoked before event `before` may have produced `copy`: an acknowledged
   * write of exactly that copy, or one that ended info or never ended and carried its data. If
   * only a write that failed could have, it is refused-visible; if none could, invented.
   */
  originOf(copy: SessionKey, before: number): Origin {
    const { version, dataJson } = copy;
    const same = this.byIncarnationVersion.get(incarnationVersion(copy)) ?? [];
    const earlier = same.filter((w) => w.op.start < before);
    if (earlier.some((w) => w.session.payload === copy.payload)) return { kind: "known" };
    const invoked = countBelow(this.possibleWriteStarts, before, (s) => s);
    const couldHave = (ops: readonly Operation[], bound: number) =>
      version >= 1 && version <= bound ? this.producers(ops, copy, before) : [];
    if (couldHave(this.unacked, invoked).length > 0) return { kind: "known" };
    const refusedBy = couldHave(
      this.failed,
      countBelow(this.writeStarts, before, (s) => s),
    );
    if (refusedBy.length > 0) {
      const reason = `returned version ${version} with data ${clip(dataJson)}, which only a write that failed (nothing written) carried`;
      return { kind: "refused-visible", reason, ops: refusedBy.slice(0, 3) };
    }
    const known = earlier[0];
    if (known) {
      const reason = `returned version ${version} as ${describe(copy)}, but it was acknowledged as ${describe(known.session)}`;
      return { kind: "invented-read", reason, ops: [known.op] };
    }
    const later = same[0];
    if (later) {
      const reason = `returned version ${version} before the write that produced it was invoked`;
      return { kind: "invented-read", reason, ops: [later.op] };
    }
    if (version < 1 || version > invoked) {
      const reason = `returned version ${version}, but only ${invoked} write(s) of the session that may have taken effect had been invoked`;
      return { kind: "invented-read", reason, ops: [] };
    }
    const reason = `returned version ${version} with data ${clip(dataJson)}, which no write of the session carried`;
    return { kind: "invented-read", reason, ops: [] };
  }

  /** Which of `ops`, invoked before `before`, could have written `copy`. */
  private producers(ops: readonly Operation[], copy: SessionKey, before: number): Operation[] {
    const { version, dataJson } = copy;
    let knownData: Set<string> | undefined;
    return ops.filter((o) => {
      if (o.start >= before) return false;
      if (o.op === "create") return version === 1 && o.invoked.input.dataJson === dataJson;
      if (o.op === "update") return version > 1 && o.invoked.input.dataJson === dataJson;
      // A touch keeps whatever data the session had.
      knownData ??= this.dataKnownBefore(before);
      return version > 1 && knownData.has(dataJson);
    });
  }

  private dataKnownBefore(before: number): Set<string> {
    const data = new Set<string>();
    for (const w of this.acked) if (w.op.start < before) data.add(w.session.dataJson);
    for (const o of this.ops) {
      const json = o.invoked.input.dataJson;
      if (isWrite(o) && o.outcome !== "fail" && o.start < before && json) data.add(json);
    }
    return data;
  }

  /**
   * Whether the session, last known as `floor`, may have expired by `atMs`: its expiry or that of
   * any newer acknowledged copy has passed, or a touch that was not acknowledged may have set an
   * earlier one (at least its TTL after it was invoked). Only operations invoked before `before`.
   */
  mayHaveExpired(floor: SessionKey, before: number, atMs: number): boolean {
    let earliest = floor.expiresAt;
    for (const op of this.ops) {
      if (op.start >= before) break;
      const session = ackedSession(op);
      if (session) {
        if (compareKeys(session, floor) > 0) earliest = Math.min(earliest, session.expiresAt);
      } else if (op.op === "touch" && op.outcome !== "ok" && op.outcome !== "fail") {
        const ttl = op.invoked.input.ttlSeconds ?? this.defaultTtlSeconds ?? 1;
        earliest = Math.min(earliest, Math.ceil(op.invoked.at / 1000) + ttl);
      }
    }
    // The store treats a session as gone once its expiry second is not after the current second.
    return earliest <= Math.floor(atMs / 1000);
  }

  /** Whether a delete that may have taken effect, invoked before `before`, ended after `start`. */
  mayHaveBeenRemoved(start: number, before: number): boolean {
    return this.removals.some((d) => d.start < before && d.end > start);
  }
}

const incarnationVersion = (k: SessionKey): string => `${k.createdAt}:${k.version}`;

/** How many of `items`, ascending by `at`, are below `limit` (a binary search). */
function countBelow<T>(items: readonly T[], limit: number, at: (item: T) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const item = items[mid];
    if (item !== undefined && at(item) < limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

export const describe = (s: SessionKey): string =>
  `data ${clip(s.dataJson)} expiring at ${s.expiresAt} s`;
