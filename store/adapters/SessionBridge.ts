import { InvalidSessionDataError, isSessionExists, isSessionNotFound } from "../errors";
import type { HybridSessionStore } from "../HybridSessionStore";
import type { JsonValue } from "../Session";
import { assertSessionId, isValidSessionId } from "../SessionId";
import { assertTtl } from "../SessionRecord";
import { cookieExpiryMs, type SessionCookie, ttlUntil } from "./cookieExpiry";
import { KnownIds } from "./KnownIds";

/** The part of HybridSessionStore a session-middleware adapter uses. */
export type SessionStorePort = Pick<
  HybridSessionStore,
  "get" | "create" | "update" | "touch" | "delete"
>;

/** A framework's session object as the adapters see it: any fields, and the cookie that dates it. */
export interface CookieSessionData {
  cookie?: SessionCookie | null;
}

export interface SessionAdapterOptions {
  /**
   * Lifetime in seconds of a session whose cookie has no expiry (a browser-session cookie),
   * renewed by every save and touch. A positive integer. Default: the store's `defaultTtlSeconds`.
   */
  ttlSeconds?: number;
  /**
   * How many session ids the adapter remembers having seen in the store, so that a save racing a
   * logout (or an expiry) never brings the session back. Default: 50000.
   */
  rememberedIds?: number;
}

/**
 * What both adapters do, with promises: a framework's session object is stored as the store's
 * JSON data (cookie included), and the cookie's expiry becomes the store's.
 */
export class SessionBridge {
  private readonly known: KnownIds;
  private readonly ttlSeconds: number | undefined;

  constructor(
    private readonly store: SessionStorePort,
    options: SessionAdapterOptions = {},
  ) {
    if (options.ttlSeconds !== undefined) assertTtl(options.ttlSeconds);
    this.ttlSeconds = options.ttlSeconds;
    this.known = new KnownIds(options.rememberedIds ?? 50_000);
  }

  /** The stored session object, its cookie dated by the store's own expiry; null for any unknown or malformed id. */
  async get(id: unknown): Promise<object | null> {
    if (!isValidSessionId(id)) return null;
    const session = await this.store.get(id);
    if (!session) return null;
    this.known.add(id);
    const data = session.data;
    // Only an object is a framework's session; anything else under this id is not one.
    if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
    const { cookie } = data as { cookie?: { expires?: unknown } | null };
    if (cookie?.expires) cookie.expires = new Date(session.expiresAt * 1000).toISOString();
    return data;
  }

  /**
   * Creates the session under the framework's id, or updates it. A session this adapter has seen
   * is only ever updated: if it is gone (destroyed or expired meanwhile) the save is dropped.
   */
  async set(id: unknown, session: CookieSessionData): Promise<void> {
    assertSessionId(id);
    const data = jsonOf(session);
    const ttl = this.ttlOf(session);
    if (ttl === null) {
      // The cookie has expired: an expired session is no session.
      await this.destroy(id);
      return;
    }
    if (!this.known.has(id)) {
      this.known.add(id);
      try {
        await this.store.create(data, { sessionId: id, ttlSeconds: ttl });
        return;
      } catch (error) {
        // Another app instance created it first (a new session's concurrent requests): update it.
        if (!isSessionExists(error)) throw error;
      }
    }
    // The expiry first, then the data: a failure between them leaves the old data, reported as failed.
    if (!(await this.store.touch(id, ttl))) return;
    try {
      await this.store.update(id, data);
    } catch (error) {
      if (!isSessionNotFound(error)) throw error;
    }
  }

  /** Extends the session to its cookie's expiry; nothing for a session that is gone or an id that is malformed. */
  async touch(id: unknown, session: CookieSessionData): Promise<void> {
    if (!isValidSessionId(id)) return;
    const ttl = this.ttlOf(session);
    if (ttl === null) return;
    this.known.add(id);
    await this.store.touch(id, ttl);
  }

  /** Removes the session from both stores; nothing for an unknown or malformed id. */
  async destroy(id: unknown): Promise<void> {
    if (!isValidSessionId(id)) return;
    this.known.add(id);
    await this.store.delete(id);
  }

  /** The TTL that ends the session at its cookie's expiry (see `ttlUntil`), the default for a cookie without one. */
  private ttlOf(session: CookieSessionData): number | null | undefined {
    const expiresMs = cookieExpiryMs(session.cookie);
    return expiresMs === null ? this.ttlSeconds : ttlUntil(expiresMs, Date.now());
  }
}

/** The session object as JSON stores it (dates as ISO text, the cookie by its own toJSON). */
function jsonOf(session: CookieSessionData): JsonValue {
  if (typeof session !== "object" || session === null) {
    throw new InvalidSessionDataError(`a session must be an object; got ${typeof session}`);
  }
  try {
    return JSON.parse(JSON.stringify(session)) as JsonValue;
  } catch (error) {
    throw new InvalidSessionDataError(
      `session cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
