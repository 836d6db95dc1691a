import type { OkEvent, ReturnedSession } from "./History";
import type { Operation } from "./Operation";
import { compareKeys } from "./order";
import { labelOf, type SessionRules, who } from "./SessionRules";

/**
 * Every read that completed ok, judged against what had been acknowledged to anyone, on any
 * server, before it was invoked: nothing it returns may be invented or refused, older than an
 * acknowledged version or removed by an acknowledged delete, and it may not miss a live session;
 * except within the staleness bound of a fault in force.
 */
export function judgeReads(rules: SessionRules): void {
  for (const read of rules.index.ops) {
    const done = read.completed;
    if (read.op !== "read" || done?.phase !== "ok") continue;
    if (done.result.kind !== "session") {
      missed(rules, read, done);
      continue;
    }
    const returned = done.result.session;
    const origin = rules.index.originOf(returned, read.end);
    if (origin.kind !== "known") {
      rules.report(origin.kind, `${who(read)}'s read at #${done.index} ${origin.reason}.`, [
        ...origin.ops,
        read,
      ]);
      continue;
    }
    if (!olderThanAcked(rules, read, done, returned)) removedByDelete(rules, read, done, returned);
  }
}

/** Reports the read if it returned a copy older than a write acknowledged before it began. */
function olderThanAcked(
  rules: SessionRules,
  read: Operation,
  done: OkEvent,
  returned: ReturnedSession,
): boolean {
  const newest = rules.index.newestAckedBefore(read.start);
  if (!newest || compareKeys(returned, newest.session) >= 0) return false;
  for (const w of rules.index.ackedBefore(read.start)) {
    if (compareKeys(returned, w.session) >= 0) continue;
    const ackedAt = w.op.completed?.at ?? w.op.invoked.at;
    if (rules.staleness.excuse(w.op.invoked.at, ackedAt, read.invoked.at)) continue;
    rules.report(
      "stale-read",
      `${who(read)}'s read at #${done.index} returned ${labelOf(rules, returned)} from the ${returned.source}, older than ${labelOf(rules, w.session)} acknowledged to ${who(w.op)} at #${w.op.end}.`,
      [w.op, read],
      [{ from: w.op.start, to: read.start }],
    );
    return true;
  }
  rules.excused();
  return true;
}

/** Reports the read if it returned an incarnation that a delete acknowledged before it removed. */
function removedByDelete(
  rules: SessionRules,
  read: Operation,
  done: OkEvent,
  returned: ReturnedSession,
): void {
  let excused = false;
  for (const d of rules.index.deletes) {
    if (d.op.end >= read.start) break;
    if (returned.createdAt > d.removesUpTo) continue;
    const ackedAt = d.op.completed?.at ?? d.op.invoked.at;
    if (rules.staleness.excuse(d.op.invoked.at, ackedAt, read.invoked.at)) {
      excused = true;
      continue;
    }
    rules.report(
      "stale-read",
      `${who(read)}'s read at #${done.index} returned ${labelOf(rules, returned)} although ${who(d.op)}'s delete had been acknowledged at #${d.op.end}.`,
      [d.op, read],
      [{ from: d.op.start, to: read.start }],
    );
    return;
  }
  if (excused) rules.excused();
}

/** Reports a read of nothing while a version acknowledged before it was live and never deleted. */
function missed(rules: SessionRules, read: Operation, done: OkEvent): void {
  const { index, staleness } = rules;
  let excused = false;
  for (const w of index.ackedBefore(read.start)) {
    if (index.mayHaveBeenRemoved(w.op.start, read.end)) continue;
    const ackedAt = w.op.completed?.at ?? w.op.invoked.at;
    if (staleness.excuse(w.op.invoked.at, ackedAt, read.invoked.at)) {
      excused = true;
      continue;
    }
    if (index.mayHaveExpired(w.session, read.end, done.at)) continue;
    rules.report(
      "stale-read",
      `${who(read)}'s read at #${done.index} found no session although ${labelOf(rules, w.session)} was acknowledged to ${who(w.op)} at #${w.op.end}, with no delete invoked since and expiry at ${w.session.expiresAt} s not yet reached.`,
      [w.op, read],
      [{ from: w.op.start, to: read.start }],
    );
    return;
  }
  if (excused) rules.excused();
}
