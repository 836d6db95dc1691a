import { GlideClusterClient, Logger, Script } from "@valkey/valkey-glide";
import { addressResolverOf } from "./addressResolver";
import { type BreakerState, CircuitBreaker } from "./CircuitBreaker";
import { cacheKey } from "./cacheKey";
import type { ResolvedConfig } from "./config";
import { StoreUnavailableError } from "./errors";
import { outcome } from "./outcome";
import type { Session } from "./Session";
import { decodePayload, isLive } from "./SessionRecord";
import type { StoreCommand, StoreStats } from "./StoreStats";

/**
 * Writes `ARGV[1]` with absolute expiry `ARGV[2]` (epoch seconds) unless the key already holds a
 * payload that is not older. Payloads start `{"version":V,"createdAt":C,`: (C, V) orders them, so a
 * re-created session (later C) wins over the tombstone of its predecessor.
 */
const SET_IF_NEWER = `
local function order(p)
  local v, c = string.match(p, '^{"version":(%d+),"createdAt":(%d+),')
  return tonumber(c), tonumber(v)
end
local cur = redis.call('GET', KEYS[1])
if cur then
  local cc, cv = order(cur)
  local nc, nv = order(ARGV[1])
  if cc and (cc > nc or (cc == nc and cv >= nv)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
return 1
`;

/** Deletes the key only while it still holds exactly `ARGV[1]`. */
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** After a failed connection attempt, calls fail at once for this long instead of reconnecting. */
const RECONNECT_BACKOFF_MS = 500;

let loggerConfigured = false;

/** A counted cache read: a live session or a tombstone (`null`), nothing, or the cache's failure. */
export type CacheLookup =
  | { state: "hit"; session: Session | null }
  | { state: "miss" }
  | { state: "error"; error: unknown };

/** What the replay journal needs of the cache's connection: commands of its own, through the breaker. */
export interface ValkeyCommands {
  /** Sends `args` (a command routed by its key), timed as `kind`; resolves to GLIDE's decoded reply. */
  customCommand(kind: StoreCommand, args: string[]): Promise<unknown>;
}

/**
 * The session cache: a GLIDE cluster client, connected lazily and reconnected on demand, behind the
 * store's breaker. It knows session payloads, not the journal, which brings its own commands.
 */
export class ValkeyCache implements ValkeyCommands {
  private client: Promise<GlideClusterClient> | undefined;
  /** The client once connected, so a command need not await the connection. */
  private connected: GlideClusterClient | undefined;
  private lastConnectFailure = 0;
  private readonly setIfNewerScript = new Script(SET_IF_NEWER);
  private readonly deleteIfEqualScript = new Script(DELETE_IF_EQUAL);
  private closed = false;
  private readonly breaker: CircuitBreaker;

  /** Session entries live at `cacheKey(keyPrefix, id)`. */
  constructor(
    private readonly config: ResolvedConfig["valkey"],
    private readonly keyPrefix: string,
    private readonly stats: StoreStats,
    onBreakerChange: (state: BreakerState) => void = () => {},
  ) {
    this.breaker = new CircuitBreaker(config.breaker, onBreakerChange);
    if (!loggerConfigured) {
      // The core logs WARN lines to stdout by default; the store reports through stats and errors.
      Logger.setLoggerConfig("off");
      loggerConfigured = true;
    }
  }

  /** Connects now; resolves false (and stays usable) when the cluster cannot be reached. */
  async warmUp(): Promise<boolean> {
    try {
      await this.connection();
      return true;
    } catch {
      return false;
    }
  }

  /** The session `id`, counted as a cache read; never rejects (a failure is `state: "error"`). */
  lookup(id: string): Promise<CacheLookup> {
    this.stats.count("cache", "reads");
    const key = this.key(id);
    return this.command("get", (c) => c.get(key) as Promise<string | null>).then(
      (payload): CacheLookup => {
        if (payload === null) {
          this.stats.count("cache", "misses");
          return { state: "miss" };
        }
        this.stats.count("cache", "hits");
        const session = decodePayload(payload, "cache");
        // The cache expires entries by its own clock; never hand out what our clock says has expired.
        return { state: "hit", session: session && isLive(session.expiresAt) ? session : null };
      },
      (error: unknown): CacheLookup => ({ state: "error", error }),
    );
  }

  /** Writes the payload of session `id` unless the cache holds a newer one; true when written. */
  setIfNewer(id: string, payload: string, expiresAt: number): Promise<boolean> {
    return this.command("write", async (c) => {
      const written = await c.invokeScript(this.setIfNewerScript, {
        keys: [this.key(id)],
        args: [payload, String(expiresAt)],
      });
      return written === 1;
    });
  }

  /** Deletes the entry of session `id` only while it holds exactly `payload`; true when deleted. */
  deleteIfEqual(id: string, payload: string): Promise<boolean> {
    return this.command("delete", async (c) => {
      const deleted = await c.invokeScript(this.deleteIfEqualScript, {
        keys: [this.key(id)],
        args: [payload],
      });
      return deleted === 1;
    });
  }

  /**
   * Takes back a cache write that was not acknowledged, so nothing unacknowledged stays readable.
   * Never rejects: a cache that fails now is left as it is.
   */
  async forget(id: string, payload: string): Promise<void> {
    await outcome(this.deleteIfEqual(id, payload));
  }

  delete(id: string): Promise<boolean> {
    return this.command("delete", async (c) => (await c.del([this.key(id)])) === 1);
  }

  /** One PING through the breaker: lets a half-open breaker probe the cache. */
  ping(): Promise<void> {
    return this.command("get", async (c) => {
      await c.customCommand(["PING"], { route: "randomNode" });
    });
  }

  /** The journal's own commands (see ValkeyCommands); the breaker and the timings are shared. */
  customCommand(kind: StoreCommand, args: string[]): Promise<unknown> {
    return this.command(kind, (c) => c.customCommand(args));
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.connected = undefined;
    if (client) {
      try {
        (await client).close();
      } catch {
        // A client that never connected has nothing to close.
      }
    }
    this.setIfNewerScript.release();
    this.deleteIfEqualScript.release();
  }

  private key(id: string): string {
    return cacheKey(this.keyPrefix, id);
  }

  /**
   * Runs one command through the breaker, timing it. Kept free of `async` layers: this wraps every
   * cache hit, and each awaited promise costs on the hottest path.
   */
  private command<T>(name: StoreCommand, run: (c: GlideClusterClient) => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) {
      return Promise.reject(new StoreUnavailableError("cache", "cache circuit breaker is open"));
    }
    const started = performance.now();
    const sent = this.connected ? run(this.connected) : this.connection().then(run);
    return sent.then(
      (result) => {
        this.stats.recordCommand("cache", name, performance.now() - started);
        this.breaker.success();
        return result;
      },
      (error: unknown) => {
        this.stats.recordCommand("cache", name, performance.now() - started);
        this.stats.count("cache", "errors");
        this.breaker.failure();
        throw error;
      },
    );
  }

  private connection(): Promise<GlideClusterClient> {
    if (this.closed)
      return Promise.reject(new StoreUnavailableError("cache", "cache client is closed"));
    if (this.client) return this.client;
    if (performance.now() - this.lastConnectFailure < RECONNECT_BACKOFF_MS) {
      return Promise.reject(
        new StoreUnavailableError("cache", "cache unreachable (last connection attempt failed)"),
      );
    }
    const connecting = GlideClusterClient.createClient({
      addresses: this.config.addresses,
      addressResolver: addressResolverOf(this.config),
      requestTimeout: this.config.requestTimeoutMs,
      useTLS: this.config.useTls,
      clientName: this.config.clientName,
      advancedConfiguration: { connectionTimeout: this.config.connectTimeoutMs },
    });
    this.client = connecting;
    connecting.then(
      (client) => {
        if (this.client === connecting) this.connected = client;
      },
      () => {
        if (this.client === connecting) this.client = undefined;
        this.lastConnectFailure = performance.now();
      },
    );
    return connecting;
  }
}
