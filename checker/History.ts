import { messageOf } from "../common/messageOf";
import type { JsonValue, Session, SessionSource } from "../store";
import { isSessionStoreError } from "../store/errors";
import { encodeRecord } from "../store/SessionRecord";

export type OpKind = "create" | "read" | "update" | "touch" | "delete";

/** What an operation was asked to do. Data is kept as JSON text, frozen when the call is made. */
export interface OpInput {
  /** `JSON.stringify` of the data passed to create or update. */
  readonly dataJson?: string;
  /** The TTL passed to create or touch, in seconds; absent when the store's default applies. */
  readonly ttlSeconds?: number;
}

/** What the caller passes when it invokes an operation: the input, and who handles it. */
export interface InvokeOptions {
  data?: JsonValue;
  /** Seconds. */
  ttlSeconds?: number;
  /** The app server that handles the operation (e.g. "app server A"); absent for one process. */
  server?: string;
}

/** A session as the store returned it, reduced to what the checker compares. */
export interface ReturnedSession {
  readonly version: number;
  /** Epoch milliseconds of the create: tells one incarnation of a re-created id from another. */
  readonly createdAt: number;
  /** `JSON.stringify` of the returned data. */
  readonly dataJson: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** The bytes both stores hold for this copy, re-encoded by the store's own encoder. */
  readonly payload: string;
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
  /** The app server that handled the operation; absent when one process did everything. */
  readonly server?: string;
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

/** Definitely not applied: nothing of the operation may ever become visible. */
export interface FailEvent extends OperationEventBase {
  readonly phase: "fail";
  /** The store error's `code`, else the error's name (or its type when it is not an Error). */
  readonly error: string;
  readonly message: string;
}

/** Maybe applied (timed out, connection lost, server killed): it may take effect at any time. */
export interface InfoEvent extends OperationEventBase {
  readonly phase: "info";
  readonly error: string;
  readonly message: string;
}

export interface FaultEvent extends EventBase {
  readonly type: "fault";
  /** The words the fault is known by, e.g. "the cache is unreachable". */
  readonly name: string;
  /** The fault class, e.g. "cut-off-cache"; a fault recorded without one is its own class. */
  readonly class: string;
  /** What the fault hits, e.g. "app server A" or "all"; absent when there is one target. */
  readonly target?: string;
  readonly action: "start" | "heal";
}

/** What a fault event may say beyond its words. */
export interface FaultDetails {
  /** Default: the fault's name. */
  class?: string;
  target?: string;
}

export type CompletionEvent = OkEvent | FailEvent | InfoEvent;
export type OperationEvent = InvokeEvent | CompletionEvent;
export type HistoryEvent = OperationEvent | FaultEvent;

/** The pending side of one invoked operation: complete it exactly once. */
export interface OpHandle {
  /** `result`: the Session (or null) from create/read/update/touch, the boolean from delete. */
  ok(result: Session | null | boolean): void;
  /** Definitely not applied: use it only for errors that promise nothing was written. */
  fail(error: unknown): void;
  /** Maybe applied: timed out, connection lost, server killed mid-request. */
  info(error: unknown): void;
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

  /** A heal ends the open start with the same name and target. */
  fault(name: string, action: "start" | "heal", details: FaultDetails = {}): void {
    this.recorded.push({
      type: "fault",
      index: this.recorded.length,
      at: this.clock(),
      name,
      class: details.class ?? name,
      ...(details.target !== undefined && { target: details.target }),
      action,
    });
  }

  invoke(
    user: string,
    op: OpKind,
    sessionId: string | undefined,
    options: InvokeOptions = {},
  ): OpHandle {
    const opId = this.nextOpId++;
    const server = options.server === undefined ? {} : { server: options.server };
    const eventBase = () => ({
      type: "op" as const,
      index: this.recorded.length,
      at: this.clock(),
      opId,
      user,
      ...server,
      op,
    });
    const invoked: Mutable<InvokeEvent> = {
      ...eventBase(),
      sessionId,
      phase: "invoke",
      input: {
        ...(options.data !== undefined && { dataJson: jsonOf(options.data) }),
        ...(options.ttlSeconds !== undefined && { ttlSeconds: options.ttlSeconds }),
      },
    };
    this.recorded.push(invoked);
    let done = false;
    const complete = () => {
      if (done) throw new Error(`operation ${opId} (${user} ${op}) completed twice`);
      done = true;
      return eventBase();
    };
    const failure = (phase: "fail" | "info") => (error: unknown) => {
      const base = complete();
      this.recorded.push({
        ...base,
        sessionId: invoked.sessionId,
        phase,
        error: errorCode(error),
        message: messageOf(error),
      });
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
      fail: failure("fail"),
      info: failure("info"),
    };
  }

  /**
   * Runs `action` as one recorded operation: its answer or error is recorded, then passed on. An
   * error that promises nothing was written is recorded as `fail`, any other as `info`.
   */
  async perform<T extends Session | null | boolean>(
    user: string,
    op: OpKind,
    sessionId: string | undefined,
    options: InvokeOptions,
    action: () => Promise<T>,
  ): Promise<T> {
    const handle = this.invoke(user, op, sessionId, options);
    let result: T;
    try {
      result = await action();
    } catch (error) {
      if (promisesNothingWritten(error)) handle.fail(error);
      else handle.info(error);
      throw error;
    }
    handle.ok(result);
    return result;
  }
}

/**
 * Codes of the store's errors that promise nothing was written: input refused before any I/O, a
 * session that was not there (or already was), a write given up on, a store that could not take
 * it (the store says OUTCOME_UNKNOWN, not STORE_UNAVAILABLE, whenever a write may have landed), a
 * closed store; and the service's own refusals of a malformed request.
 */
const NOTHING_WRITTEN = new Set([
  "INVALID_SESSION_ID",
  "INVALID_SESSION_DATA",
  "INVALID_TTL",
  "SESSION_TOO_LARGE",
  "SESSION_NOT_FOUND",
  "SESSION_EXISTS",
  "CONCURRENT_UPDATE",
  "STORE_UNAVAILABLE",
  "STORE_CLOSED",
  "VALIDATION_FAILED",
]);

/**
 * Whether the error promises that nothing was written (recorded `fail`, and checked: nothing of it
 * may ever be visible). Anything else, a timeout, a lost connection, OUTCOME_UNKNOWN, is `info`.
 * Decided by the store's error code, so errors relayed by the HTTP service are judged alike.
 */
export function promisesNothingWritten(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return isSessionStoreError(error) && typeof code === "string" && NOTHING_WRITTEN.has(code);
}

function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // Data the store would reject anyway (a BigInt, a cycle); the history must not throw for it.
    return "<not JSON>";
  }
}

/** The session as the checker compares it; its payload is what the store's encoder makes of it. */
export function returnedOf(session: Session): ReturnedSession {
  const { id, version, createdAt, updatedAt, data, expiresAt, source } = session;
  let payload: string;
  try {
    payload = encodeRecord({ id, version, createdAt, updatedAt, expiresAt }, data).payload;
  } catch {
    payload = "<not JSON>";
  }
  return { version, createdAt, dataJson: jsonOf(data), expiresAt, payload, source };
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
  return { kind: "session", session: returnedOf(returned) };
}

/** Store errors carry a stable `code`; anything else is named by its class. */
function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : error.name;
  }
  return typeof error;
}
