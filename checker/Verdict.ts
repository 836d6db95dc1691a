import type { FaultEvent, HistoryEvent } from "./History";
import type { Operation } from "./Operation";

/**
 * The anomalies the checker names:
 * - `lost-write`: after healing, a store (or the final read) is missing or older than the newest
 *   acknowledged version, or still holds what an acknowledged delete removed;
 * - `stale-read`: a read older than what was acknowledged to anyone before it began (a version, a
 *   delete, or a live session it did not find), beyond the staleness bound of the faults in force;
 * - `invented-read`: a copy no write (acknowledged, info or pending) could have produced;
 * - `refused-visible`: a copy only a write that failed (promised nothing written) could have produced;
 * - `divergence`: the cache, DynamoDB and the final read disagree on a surviving session's bytes or expiry.
 */
export type ViolationKind =
  | "lost-write"
  | "stale-read"
  | "invented-read"
  | "refused-visible"
  | "divergence";

export const VIOLATION_KINDS: readonly ViolationKind[] = [
  "lost-write",
  "stale-read",
  "invented-read",
  "refused-visible",
  "divergence",
];

export interface Violation {
  kind: ViolationKind;
  sessionId: string;
  /** One sentence a reader can act on. */
  message: string;
  /** The operations that show the anomaly. */
  operations: readonly Operation[];
  /** Their events and the faults in force while they ran, in history order. */
  excerpt: HistoryEvent[];
  /** Indexes of the excerpt's events the violation is about (the operations' events). */
  focus: number[];
}

/** What one app server handled. */
export interface ServerCounts {
  operations: number;
  ok: number;
  failed: number;
  info: number;
  pending: number;
}

export interface VerdictSummary {
  sessions: number;
  operations: number;
  ok: number;
  /** Definitely not applied. */
  failed: number;
  /** Maybe applied: timed out, connection lost, server killed. */
  info: number;
  /** Invoked and never completed. */
  pending: number;
  /** Reads that completed ok, and where their answers came from. */
  reads: number;
  readsFromCache: number;
  readsFromDynamoDb: number;
  readsOfNothing: number;
  /** Reads older than an acknowledged write or delete, excused by a fault's staleness bound. */
  readsExcusedAsStale: number;
  /** Fault starts. */
  faults: number;
  /** Per app server; operations recorded without a server count under "". */
  servers: Record<string, ServerCounts>;
  violations: Record<ViolationKind, number>;
  /** Time of the first event on the history's clock; excerpts are rendered relative to it. */
  startedAt: number;
}

export interface Verdict {
  ok: boolean;
  violations: Violation[];
  summary: VerdictSummary;
}

export function summarise(
  operations: readonly Operation[],
  faults: readonly FaultEvent[],
  sessions: number,
  violations: readonly Violation[],
  readsExcusedAsStale: number,
  startedAt: number,
): VerdictSummary {
  const summary: VerdictSummary = {
    sessions,
    operations: operations.length,
    ok: 0,
    failed: 0,
    info: 0,
    pending: 0,
    reads: 0,
    readsFromCache: 0,
    readsFromDynamoDb: 0,
    readsOfNothing: 0,
    readsExcusedAsStale,
    faults: faults.filter((f) => f.action === "start").length,
    servers: {},
    violations: Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0])) as Record<
      ViolationKind,
      number
    >,
    startedAt,
  };
  for (const op of operations) {
    const server = op.server ?? "";
    summary.servers[server] ??= { operations: 0, ok: 0, failed: 0, info: 0, pending: 0 };
    const counts = summary.servers[server];
    counts.operations++;
    const done = op.completed;
    if (!done) {
      summary.pending++;
      counts.pending++;
    } else if (done.phase === "fail") {
      summary.failed++;
      counts.failed++;
    } else if (done.phase === "info") {
      summary.info++;
      counts.info++;
    } else {
      summary.ok++;
      counts.ok++;
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

/** The verdict in a few numbers, for a machine: what a campaign prints and compares across seeds. */
export interface CompactSummary {
  ok: boolean;
  anomalies: Partial<Record<ViolationKind, number>>;
  outcomes: { ok: number; fail: number; info: number; pending: number };
  /** Operations per app server. */
  servers: Record<string, number>;
  sessions: number;
  faults: number;
  readsExcusedAsStale: number;
}

export function compactSummary(verdict: Verdict): CompactSummary {
  const s = verdict.summary;
  return {
    ok: verdict.ok,
    anomalies: Object.fromEntries(Object.entries(s.violations).filter(([, n]) => n > 0)),
    outcomes: { ok: s.ok, fail: s.failed, info: s.info, pending: s.pending },
    servers: Object.fromEntries(Object.entries(s.servers).map(([k, c]) => [k, c.operations])),
    sessions: s.sessions,
    faults: s.faults,
    readsExcusedAsStale: s.readsExcusedAsStale,
  };
}
