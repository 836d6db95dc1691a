import type {
  FailEvent,
  HistoryEvent,
  InvokeEvent,
  OkEvent,
  OpKind,
  ReturnedSession,
} from "./History";

/** One operation of a history: its invoke paired with its completion, if any. */
export interface Operation {
  readonly opId: number;
  readonly user: string;
  readonly op: OpKind;
  readonly sessionId: string | undefined;
  readonly invoked: InvokeEvent;
  readonly completed: OkEvent | FailEvent | undefined;
  /** Index of the invoke event. */
  readonly start: number;
  /** Index of the completion; Infinity while pending, as it may still take effect at any time. */
  readonly end: number;
}

/** The session an operation acknowledged: a create, update or touch that completed ok. */
export function ackedSession(op: Operation): ReturnedSession | undefined {
  const done = op.completed;
  if (op.op === "read" || op.op === "delete" || done?.phase !== "ok") return undefined;
  return done.result.kind === "session" ? done.result.session : undefined;
}

export const isWrite = (op: Operation): boolean =>
  op.op === "create" || op.op === "update" || op.op === "touch";

export const isAcked = (op: Operation): boolean => op.completed?.phase === "ok";

/** Pairs invokes with completions, in invoke order. */
export function operationsOf(events: readonly HistoryEvent[]): Operation[] {
  const completions = new Map<number, OkEvent | FailEvent>();
  for (const e of events) if (e.type === "op" && e.phase !== "invoke") completions.set(e.opId, e);
  const operations: Operation[] = [];
  for (const e of events) {
    if (e.type !== "op" || e.phase !== "invoke") continue;
    const completed = completions.get(e.opId);
    operations.push({
      opId: e.opId,
      user: e.user,
      op: e.op,
      sessionId: e.sessionId ?? completed?.sessionId,
      invoked: e,
      completed,
      start: e.index,
      end: completed?.index ?? Number.POSITIVE_INFINITY,
    });
  }
  return operations;
}
