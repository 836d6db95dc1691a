import type { FaultEvent, HistoryEvent, OperationEvent } from "./History";

/** At most this many fault events accompany an excerpt: enough context, never the whole run. */
const MAX_FAULTS = 6;

/**
 * The events of one session closest to the focus events (by position in that session's own
 * sequence), at most `limit`, in history order; plus the faults that were active or changed
 * while they happened, because a violation is usually explained by one.
 */
export function excerptOf(
  sessionEvents: readonly OperationEvent[],
  faults: readonly FaultEvent[],
  focus: readonly number[],
  limit: number,
): HistoryEvent[] {
  const positions = sessionEvents.flatMap((e, i) => (focus.includes(e.index) ? [i] : []));
  const distance = (i: number) =>
    positions.length
      ? Math.min(...positions.map((p) => Math.abs(p - i)))
      : sessionEvents.length - i;
  const chosen = sessionEvents
    .map((event, i) => ({ event, d: distance(i) }))
    .sort((a, b) => a.d - b.d || a.event.index - b.event.index)
    .slice(0, limit)
    .map(({ event }) => event)
    .sort((a, b) => a.index - b.index);
  const first = chosen[0]?.index ?? 0;
  const last = chosen.at(-1)?.index ?? 0;
  return [...chosen, ...faultsAround(faults, first, last)].sort((a, b) => a.index - b.index);
}

/** Fault events within [first, last], preceded by the start of each fault still active at `first`. */
function faultsAround(faults: readonly FaultEvent[], first: number, last: number): FaultEvent[] {
  const activeAtFirst = new Map<string, FaultEvent>();
  const within: FaultEvent[] = [];
  for (const f of faults) {
    if (f.index < first) {
      if (f.action === "start") activeAtFirst.set(f.name, f);
      else activeAtFirst.delete(f.name);
    } else if (f.index <= last) within.push(f);
  }
  return [...activeAtFirst.values(), ...within].slice(-MAX_FAULTS);
}
