import type { Callback } from "./callback";
import { toCallback } from "./callback";
import type { SessionCookie } from "./cookieExpiry";
import { type SessionAdapterOptions, SessionBridge, type SessionStorePort } from "./SessionBridge";

/** The fields of @fastify/session's session the adapter reads: the cookie that dates it. */
export interface FastifySessionData {
  cookie: SessionCookie;
}

/**
 * A @fastify/session store in front of a HybridSessionStore.
 *
 * ```ts
 * await app.register(fastifySession, { store: new FastifySessionStore(store), secret });
 * ```
 *
 * The session object (cookie included) is the store's JSON data; the cookie's expiry, rounded up
 * to the second, is the session's expiry in both stores, and every save (rolling sessions: every
 * response) moves it. An unknown or malformed id is no session; store errors reach the callback.
 */
export class FastifySessionStore {
  private readonly bridge: SessionBridge;

  constructor(store: SessionStorePort, options: SessionAdapterOptions = {}) {
    this.bridge = new SessionBridge(store, options);
  }

  /** `T`: the app's session type; the adapter hands back what `set` stored. */
  get<T>(sessionId: string, callback: (error: unknown, session?: T | null) => void): void {
    toCallback(this.bridge.get(sessionId) as Promise<T | null>, callback);
  }

  set(sessionId: string, session: FastifySessionData, callback: (error?: unknown) => void): void {
    toCallback(this.bridge.set(sessionId, session), callback as Callback<void>);
  }

  destroy(sessionId: string, callback: (error?: unknown) => void): void {
    toCallback(this.bridge.destroy(sessionId), callback as Callback<void>);
  }
}
