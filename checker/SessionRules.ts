import type { Span } from "./excerpt";
import type { Operation } from "./Operation";
import type { SessionKey } from "./order";
import type { SessionIndex } from "./SessionIndex";
import type { StalenessBound } from "./staleness";
import type { ViolationKind } from "./Verdict";

/** What a rule needs to judge one session and to report what it finds. */
export interface SessionRules {
  readonly index: SessionIndex;
  readonly staleness: StalenessBound;
  /** The history's first event time (ms), so incarnations can be named by when they began. */
  readonly startedAt: number;
  /** `ops`: the operations that show it; `spans`: where the faults in force explain it. */
  report(kind: ViolationKind, message: string, ops: readonly Operation[], spans?: Span[]): void;
  /** Counts a stale read that a fault's staleness bound excused. */
  excused(): void;
}

/** "ada" for one process, "ada on app server A" when servers are recorded. */
export const who = (op: Operation): string =>
  op.server === undefined ? op.user : `${op.user} on ${op.server}`;

/** "version 3", or "version 3 (created +1200 ms)" once the id was created more than once. */
export function labelOf(rules: SessionRules, key: SessionKey): string {
  if (!rules.index.recreated) return `version ${key.version}`;
  return `version ${key.version} (created +${Math.round(key.createdAt - rules.startedAt)} ms)`;
}
