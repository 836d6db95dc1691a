import { excerptOf, type Span } from "./excerpt";
import {
  type FinalObservation,
  type FinalState,
  judgeFinalState,
  observationOf,
} from "./finalState";
import type { FaultEvent, History } from "./History";
import { faultWindowsOf, type Operation, operationsOf } from "./Operation";
import { judgeReads } from "./reads";
import { SessionIndex } from "./SessionIndex";
import type { SessionRules } from "./SessionRules";
import { StalenessBound } from "./staleness";
import { summarise, type Verdict, type Violation, type ViolationKind } from "./Verdict";

export type { FinalObservation, FinalState, StoredCopy } from "./finalState";
export {
  type CompactSummary,
  compactSummary,
  type ServerCounts,
  type Verdict,
  type VerdictSummary,
  VIOLATION_KINDS,
  type Violation,
  type ViolationKind,
} from "./Verdict";

export interface CheckOptions {
  /**
   * The store's default TTL in seconds, for touches recorded without one. Default: unknown, and
   * such a touch is assumed to have set the shortest TTL there is (1 s), which only excuses more.
   */
  defaultTtlSeconds?: number;
  /**
   * The staleness bound the store promises under each fault class, in milliseconds: how long after
   * a write completed (or the fault healed, whichever is later) a read may still miss it. A class
   * not listed has 0. Default: {} (no read may ever be stale).
   */
  stalenessMs?: Readonly<Record<string, number>>;
}

/**
 * Decides whether the store kept its promises over a recorded history, merged from every app
 * server on one clock: no acknowledged write or delete lost after healing, no read older than what
 * anyone had been acknowledged before it began (beyond the staleness bound of a fault in force),
 * nothing visible that no write produced or that only a failed write carried, and both stores
 * agreeing byte for byte on every surviving session.
 *
 * Operations are ordered by their position in the history: A precedes B when A's completion was
 * recorded before B's invoke; an `info` or pending operation may take effect at any time after its
 * invoke. Copies of a session are ordered as the store orders them: (createdAt, version, payload).
 */
export function checkHistory(
  history: History,
  final: FinalState,
  options: CheckOptions = {},
): Verdict {
  const events = history.events;
  const operations = operationsOf(events);
  const faults = events.filter((e): e is FaultEvent => e.type === "fault");
  const windows = faultWindowsOf(faults);
  const staleness = new StalenessBound(windows, options.stalenessMs ?? {});
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
  const startedAt = events[0]?.at ?? now;
  const violations: Violation[] = [];
  let excusedReads = 0;
  for (const id of new Set([...bySession.keys(), ...finalIds])) {
    const observed = observationOf(final, id) as FinalObservation;
    const index = new SessionIndex(id, bySession.get(id) ?? [], options.defaultTtlSeconds);
    const rules: SessionRules = {
      index,
      staleness,
      startedAt,
      report(kind: ViolationKind, message: string, ops: readonly Operation[], spans?: Span[]) {
        const { excerpt, focus } = excerptOf(ops, windows, spans);
        violations.push({ kind, sessionId: id, message, operations: [...ops], excerpt, focus });
      },
      excused() {
        excusedReads++;
      },
    };
    judgeReads(rules);
    judgeFinalState(rules, observed, observed.observedAt ?? now);
  }
  return {
    ok: violations.length === 0,
    violations,
    summary: summarise(operations, faults, bySession.size, violations, excusedReads, startedAt),
  };
}
