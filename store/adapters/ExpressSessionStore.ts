import { EventEmitter } from "node:events";
import type { Callback } from "./callback";
import { toCallback } from "./callback";
import type { SessionCookie } from "./cookieExpiry";
import { type SessionAdapterOptions, SessionBridge, type SessionStorePort } from "./SessionBridge";

/** The fields of express-session's session data the adapter reads: the cookie that dates it. */
export interface ExpressSessionData {
  cookie: SessionCookie & { originalMaxAge?: number | null };
}

/** The fields of a request express-session's own Store methods use. */
export interface ExpressSessionRequest {
  sessionID: string;
  session?: object | null;
}

/** express-session's Store.prototype: the methods every store inherits from it. */
interface ExpressStoreBase {
  regenerate(req: ExpressSessionRequest, callback: (error?: unknown) => void): void;
  load(sid: string, callback: (error: unknown, session?: unknown) => void): void;
  createSession(req: ExpressSessionRequest, session: ExpressSessionData): unknown;
}

/** Thrown when ExpressSessionStore is built in an app that cannot load express-session. */
export class ExpressSessionMissingError extends Error {
  constructor(cause: unknown) {
    super("ExpressSessionStore needs express-session: npm install express-session", { cause });
    this.name = "ExpressSessionMissingError";
  }
}

/**
 * An express-session Store in front of a HybridSessionStore.
 *
 * ```ts
 * app.use(session({ store: new ExpressSessionStore(store), secret, resave: false, saveUninitialized: false }));
 * ```
 *
 * The session object (cookie included) is the store's JSON data; the cookie's expiry, rounded up
 * to the second, is the session's expiry in both stores, and `touch` extends it. An unknown or
 * malformed id is no session; store errors reach express-session's callback.
 * `all`, `length` and `clear` are not offered: the store keeps no index of its sessions.
 */
export class ExpressSessionStore extends EventEmitter {
  private readonly bridge: SessionBridge;
  private readonly base: ExpressStoreBase;
  /** Session objects that came from the store or went to it; any other is in neither store. */
  private readonly stored = new WeakSet<object>();
  /** Installed by express-session's middleware on the store it is given. */
  declare generate?: (req: ExpressSessionRequest) => void;

  constructor(store: SessionStorePort, options: SessionAdapterOptions = {}) {
    super();
    this.bridge = new SessionBridge(store, options);
    this.base = expressStoreBase();
  }

  /** `T`: the app's session type; the adapter hands back what `set` stored. */
  get<T>(sid: string, callback: (error: unknown, session?: T | null) => void): void {
    toCallback(this.bridge.get(sid) as Promise<T | null>, callback);
  }

  set(sid: string, session: ExpressSessionData, callback?: (error?: unknown) => void): void {
    this.stored.add(session);
    toCallback(this.bridge.set(sid, session), callback as Callback<void> | undefined);
  }

  touch(sid: string, session: ExpressSessionData, callback?: (error?: unknown) => void): void {
    toCallback(this.bridge.touch(sid, session), callback as Callback<void> | undefined);
  }

  destroy(sid: string, callback?: (error?: unknown) => void): void {
    toCallback(this.bridge.destroy(sid), callback as Callback<void> | undefined);
  }

  regenerate(req: ExpressSessionRequest, callback: (error?: unknown) => void): void {
    const session = req.session;
    if (session && !this.stored.has(session) && this.generate) {
      // Made by this request and never saved: there is nothing to destroy, even with DynamoDB down.
      this.generate(req);
      process.nextTick(callback);
      return;
    }
    this.base.regenerate.call(this, req, callback);
  }

  load<T>(sid: string, callback: (error: unknown, session?: T) => void): void {
    this.base.load.call(this, sid, callback as (error: unknown, session?: unknown) => void);
  }

  /** `T`: express-session's Session (with the app's data), which express-session's own Store builds. */
  createSession<T>(req: ExpressSessionRequest, session: ExpressSessionData): T {
    const created = this.base.createSession.call(this, req, session) as T & object;
    this.stored.add(created);
    return created;
  }
}

/**
 * express-session's own Store.prototype, loaded from the app's express-session (an optional peer
 * dependency): only it can build the Session and Cookie objects express-session expects back.
 */
function expressStoreBase(): ExpressStoreBase {
  try {
    return (require("express-session") as { Store: { prototype: ExpressStoreBase } }).Store
      .prototype;
  } catch (error) {
    throw new ExpressSessionMissingError(error);
  }
}
