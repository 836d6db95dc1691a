import type { FaultEvent, HistoryEvent } from "./History";
import type { FaultWindow, Operation } from "./Operation";

/** At most this many faults accompany an excerpt: enough to explain it, never the whole run. */
const MAX_FAULTS = 6;

/** A stretch of the history, by event index, in which the faults in force matter. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * The smallest excerpt that shows an anomaly: the events of the operations involved, and the start
 * and heal of each fault in force at some moment while one of them ran or within `spans` (such as
 * from a write's invoke to a stale read's invoke), in history order.
 */
export function excerptOf(
  ops: readonly Operation[],
  windows: readonly FaultWindow[],
  spans: readonly Span[] = [],
): { excerpt: HistoryEvent[]; focus: number[] } {
  const events = new Map<number, HistoryEvent>();
  const all: Span[] = [...spans];
  for (const op of ops) {
    events.set(op.start, op.invoked);
    if (op.completed) events.set(op.completed.index, op.completed);
    all.push({ from: op.start, to: op.completed?.index ?? Number.POSITIVE_INFINITY });
  }
  const focus = [...events.keys()].sort((a, b) => a - b);
  const active = windows.filter((w) => {
    const healedAt = w.healed?.index ?? Number.POSITIVE_INFINITY;
    return all.some((s) => w.started.index <= s.to && healedAt >= s.from);
  });
  for (const w of active.slice(-MAX_FAULTS)) {
    const faultEvents: FaultEvent[] = w.healed ? [w.started, w.healed] : [w.started];
    for (const f of faultEvents) events.set(f.index, f);
  }
  const excerpt = [...events.values()].sort((a, b) => a.index - b.index);
  return { excerpt, focus };
}
