import type { CreateOptions, JsonValue, Session, StatsSnapshot } from "../../store";

/** The session operations, as every way of reaching the store offers them (ServiceClient too). */
export interface SessionCalls {
  create<T extends JsonValue>(data: T, options?: CreateOptions): Promise<Session<T>>;
  get(id: string): Promise<Session | null>;
  update<T extends JsonValue>(id: string, data: T): Promise<Session<T>>;
  touch(id: string, ttlSeconds?: number): Promise<Session | null>;
  delete(id: string): Promise<boolean>;
}

/**
 * What a scenario does with the session store, whichever way it reaches it: the store itself
 * (in-process; `HybridSessionStore` satisfies this as it is) or the HTTP service (`HttpDriver`).
 */
export interface SessionDriver extends SessionCalls {
  /** Synchronous in-process, a request over HTTP: await it either way. */
  stats(): StatsSnapshot | Promise<StatsSnapshot>;
  /** Resolves true once the journal is replayed and every stale cache entry repaired. */
  settle(): Promise<boolean>;
  close(): Promise<void>;
}
