import { messageOf } from "../common/messageOf";
import type { JsonValue, Session, SessionSource } from "../store";

export type OpKind = "create" | "read" | "update" | "touch" | "delete";

/** What an operation was asked to do. Data is kept as JSON text, frozen when the call is made. */
export interface OpInput {
  /** `JSON.stringify` of the data passed to create or update. */
  readonly dataJson?: string;
  /** The TTL passed to create or touch, in seconds; absent when the store's default applies. */
  readonly ttlSeconds?: number;
}

/** A session as the store returned it, reduced to what the checker compares. */
export interface ReturnedSession {
  readonly version: number;
  /** `JSON.stringify` of the returned data. */
  readonly dataJson: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  readonly source: SessionSource;
}

/** What an operation returned: a session, no session (read or touch), or delete's answer. */
export type OpResult =
  | { readonly kind: "session"; readonly session: ReturnedSession }
  | { readonly kind: "none" }
  | { readonly kind: "deleted"; readonly removed: boolean };

interface EventBase {
  /** Position in the history: the real-time order in which things were recorded. */
  readonly index: number;
  /** Milliseconds on the history's clock (epoch milliseconds by default). */
  readonly at: number;
}

interface OperationEventBase extends EventBase {
  readonly type: "op";
  /** Shared by the invoke and the completion of one operation. */
  readonly opId: number;
  readonly user: string;
  readonly op: OpKind;
  /** Undefined for a create until it completes ok; then set on its invoke event too. */
  readonly sessionId: string | undefined;
}

export interface InvokeEvent extends OperationEventBase {
  readonly phase: "invoke";
  readonly input: OpInput;
}

export interface OkEvent extends OperationEventBase {
  readonly phase: "ok";
  readonly result: OpResult;
}

export interface FailEvent extends OperationEventBase {
  readonly phase: "fail";
  /** The store error's `code`, else the error's name (or its type when it is not an Error). */
  readonly error: string;
  readonly message: string;
}

export interface FaultEvent extends EventBase {
  readonly type: "fault";
  readonly name: string;
  readonly action: "start" | "heal";
}

export type OperationEvent = InvokeEvent | OkEvent | FailEvent;
export type HistoryEvent = OperationEvent | FaultEvent;

/** The pending side of one invoked operation: complete it exactly once. */
export interface OpHandle {
  /** `result`: the Session (or null) from create/read/update/touch, the boolean from delete. */
  ok(result: Session | null | boolean): void;
  fail(error: unknown): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Records what concurrent users asked of the store and what it answered, plus when faults came
 * and went, for checkHistory. Recording is an array push, so thousands of operations cost little.
 */
export class History {
  private readonly recorded: HistoryEvent[] = [];
  private nextOpId = 0;

  /** `clock`: epoch milliseconds, comparable with session expiries. Default: Date.now. */
  constructor(private readonly clock: () => number = Date.now) {}

  get events(): readonly HistoryEvent[] {
    return this.recorded;
  }

  /** The history's clock, so the checker judges expiry on the same time line. */
  now(): number {
    return this.clock();
  }

  /** Every session id the history mentions, in order of first mention. */
  sessionIds(): string[] {
    const ids = new Set<string>();
    for (const e of this.recorded) if (e.type === "op" && e.sessionId) ids.add(e.sessionId);
    return [...ids];
  }

  fault(name: string, action: "start" | "heal"): void {
    this.recorded.push({
      type: "fault",
      index: this.recorded.length,
      at: this.clock(),
      name,
      action,
    });
  }

  invoke(
    user: string,
    op: OpKind,
    sessionId: string | undefined,
    input: { data?: JsonValue; ttlSeconds?: number } = {},
  ): OpHandle {
    const opId = this.nextOpId++;
    const invoked: Mutable<InvokeEvent> = {
      type: "op",
      index: this.recorded.length,
      at: this.clock(),
      opId,
      user,
      op,
      sessionId,
      phase: "invoke",
      input: {
        ...(input.data !== undefined && { dataJson: jsonOf(input.data) }),
        ...(input.ttlSeconds !== undefined && { ttlSeconds: input.ttlSeconds }),
      },
    };
    this.recorded.push(invoked);
    let done = false;
    const complete = () => {
      if (done) throw new Error(`operation ${opId} (${user} ${op}) completed twice`);
      done = true;
      return { type: "op" as const, index: this.recorded.length, at: this.clock(), opId, user, op };
    };
    return {
      ok: (returned) => {
        const base = complete();
        const result = resultOf(op, returned);
        let id = invoked.sessionId;
        if (
          op === "create" &&
          result.kind === "session" &&
          returned &&
          typeof returned === "object"
        ) {
          // A create learns its id only from the store's answer.
          id = returned.id;
          invoked.sessionId = id;
        }
        this.recorded.push({ ...base, sessionId: id, phase: "ok", result });
      },
      fail: (error) => {
        const base = complete();
        this.recorded.push({
          ...base,
          sessionId: invoked.sessionId,
          phase: "fail",
          error: errorCode(error),
          message: messageOf(error),
        });
      },
    };
  }

  /** Runs `action` as one recorded operation: its answer or error is recorded, then passed on. */
  async perform<T extends Session | null | boolean>(
    user: string,
    op: OpKind,
    sessionId: string | undefined,
    input: { data?: JsonValue; ttlSeconds?: number },
    action: () => Promise<T>,
  ): Promise<T> {
    const handle = this.invoke(user, op, sessionId, input);
    let result: T;
    try {
      result = await action();
    } catch (error) {
      handle.fail(error);
      throw error;
    }
    handle.ok(result);
    return result;
  }
}

function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // Data the store would reject anyway (a BigInt, a cycle); the history must not throw for it.
    return "<not JSON>";
  }
}

function resultOf(op: OpKind, returned: Session | null | boolean): OpResult {
  if (op === "delete") {
    if (typeof returned !== "boolean") throw new TypeError("a delete completes with a boolean");
    return { kind: "deleted", removed: returned };
  }
  if (typeof returned === "boolean") throw new TypeError(`a ${op} completes with a session`);
  if (returned === null) {
    if (op === "create" || op === "update") throw new TypeError(`a ${op} never returns null`);
    return { kind: "none" };
  }
  const { version, data, expiresAt, source } = returned;
  return { kind: "session", session: { version, dataJson: jsonOf(data), expiresAt, source } };
}

/** Store errors carry a stable `code`; anything else is named by its class. */
function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : error.name;
  }
  return typeof error;
}
