import type {
  CompletionEvent,
  FaultEvent,
  HistoryEvent,
  InvokeEvent,
  OpKind,
  ReturnedSession,
} from "./History";

/** How an operation ended: `info` and `pending` may still take effect at any time. */
export type Outcome = "ok" | "fail" | "info" | "pending";

/** One operation of a history: its invoke paired with its completion, if any. */
export interface Operation {
  readonly opId: number;
  readonly user: string;
  readonly server: string | undefined;
  readonly op: OpKind;
  readonly sessionId: string | undefined;
  readonly invoked: InvokeEvent;
  readonly completed: CompletionEvent | undefined;
  readonly outcome: Outcome;
  /** Index of the invoke event. */
  readonly start: number;
  /**
   * Index of an ok or fail completion; Infinity for info and pending, as either may still take
   * effect at any time.
   */
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

export const isAcked = (op: Operation): boolean => op.outcome === "ok";

/** Pairs invokes with completions, in invoke order. */
export function operationsOf(events: readonly HistoryEvent[]): Operation[] {
  const completions = new Map<number, CompletionEvent>();
  for (const e of events) if (e.type === "op" && e.phase !== "invoke") completions.set(e.opId, e);
  const operations: Operation[] = [];
  for (const e of events) {
    if (e.type !== "op" || e.phase !== "invoke") continue;
    const completed = completions.get(e.opId);
    const outcome = completed?.phase ?? "pending";
    const definite = outcome === "ok" || outcome === "fail";
    operations.push({
      opId: e.opId,
      user: e.user,
      server: e.server,
      op: e.op,
      sessionId: e.sessionId ?? completed?.sessionId,
      invoked: e,
      completed,
      outcome,
      start: e.index,
      end: definite && completed ? completed.index : Number.POSITIVE_INFINITY,
    });
  }
  return operations;
}

/** One fault from its start to its heal: data, as the campaign's nemesis scheduled it. */
export interface FaultWindow {
  readonly name: string;
  readonly class: string;
  readonly target: string | undefined;
  readonly started: FaultEvent;
  /** Undefined while the fault was never healed. */
  readonly healed: FaultEvent | undefined;
  /** Milliseconds on the history's clock. */
  readonly from: number;
  /** Milliseconds on the history's clock; Infinity while never healed. */
  readonly to: number;
}

/** Each start paired with the next heal of the same name and target, in order of start. */
export function faultWindowsOf(faults: readonly FaultEvent[]): FaultWindow[] {
  const open = new Map<string, FaultEvent[]>();
  const windows: FaultWindow[] = [];
  const keyOf = (f: FaultEvent) => `${f.name}\u0000${f.target ?? ""}`;
  const closed = new Map<FaultEvent, FaultEvent>();
  for (const f of faults) {
    const starts = open.get(keyOf(f)) ?? [];
    if (f.action === "start") {
      starts.push(f);
      open.set(keyOf(f), starts);
    } else {
      const started = starts.shift();
      if (started) closed.set(started, f);
    }
  }
  for (const f of faults) {
    if (f.action !== "start") continue;
    const healed = closed.get(f);
    windows.push({
      name: f.name,
      class: f.class,
      target: f.target,
      started: f,
      healed,
      from: f.at,
      to: healed?.at ?? Number.POSITIVE_INFINITY,
    });
  }
  return windows;
}
