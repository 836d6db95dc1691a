import { GlideClusterClient, Logger, Script } from "@valkey/valkey-glide";
import { addressResolverOf } from "./addressResolver";
import { type BreakerState, CircuitBreaker } from "./CircuitBreaker";
import { bucketOf, cacheKey, journalKey, leaseKey } from "./cacheKey";
import type { ResolvedConfig } from "./config";
import { StoreUnavailableError } from "./errors";
import { outcome } from "./outcome";
import type { Session } from "./Session";
import { decodePayload, isLive } from "./SessionRecord";
import type { StoreCommand, StoreStats } from "./StoreStats";

/**
 * Orders two payloads: (createdAt, version), then a tombstone before a live copy (a sign-out wins a
 * tie), then the bytes, so every copy of a session has one rank.
 */
const ORDER = `
local function rank(p)
  local v, c = string.match(p, '^{"version":(%d+),"createdAt":(%d+),')
  return tonumber(c), tonumber(v)
end
local function tombstone(p)
  return string.match(p, '^{"version":%d+,"createdAt":%d+,"deleted":true}$') ~= nil
end
local function newer(a, b)
  local ac, av = rank(a)
  local bc, bv = rank(b)
  if not bc then return true end
  if ac ~= bc then return ac > bc end
  if av ~= bv then return av > bv end
  local at, bt = tombstone(a), tombstone(b)
  if at ~= bt then return at end
  return a > b
end
`;

/**
 * KEYS: entry, lease, journal. ARGV: payload, expiry (epoch s), lease (ms), journal field, journal
 * value. Writes the payload unless the entry holds a newer one, renews the lease, and with a
 * journal field also journals the write, all in one step. 1: written, 2: held already, 0: older.
 */
const WRITE = `${ORDER}
local cur = redis.call('GET', KEYS[1])
local result = 0
if cur == ARGV[1] then
  result = 2
elseif (not cur) or newer(ARGV[1], cur) then
  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
  result = 1
end
if result > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
end
return result
`;

/**
 * KEYS: entry, lease, journal. ARGV: the payload read before, the session id, DynamoDB's payload
 * (or the tombstone to leave when DynamoDB has none), its expiry, lease (ms). After a check against
 * DynamoDB: leaves an entry that changed meanwhile alone (0), keeps one the journal is ahead with
 * (2), else puts DynamoDB's copy in its place (1); the lease is renewed in the last two cases.
 */
const REVALIDATE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[5])
  return 2
end
if ARGV[3] ~= ARGV[1] then redis.call('SET', KEYS[1], ARGV[3], 'EXAT', ARGV[4]) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[5])
return 1
`;

/** KEYS: entry, lease. Deletes both while the entry still holds exactly `ARGV[1]`. */
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1], KEYS[2]) end
return 0
`;

/** After a failed connection attempt, calls fail at once for this long instead of reconnecting. */
const RECONNECT_BACKOFF_MS = 500;

let loggerConfigured = false;

/**
 * True when a failed cache command cannot have reached the cache: refused by the store itself
 * (breaker open, client closed, backing off). A timeout or a broken connection may have applied it.
 */
export function neverReachedCache(error: unknown): boolean {
  return error instanceof StoreUnavailableError;
}

/** A counted cache read: a live session or a tombstone (`null`), nothing, or the cache's failure. */
export type CacheLookup =
  | {
      state: "hit";
      session: Session | null;
      /** The exact bytes the entry holds. */
      payload: string;
      /** False once the entry's lease has run out: check it against DynamoDB before serving it. */
      leased: boolean;
    }
  | { state: "miss" }
  | { state: "error"; error: unknown };

/** A write DynamoDB has not taken yet, as the journal keeps it (see SessionJournal). */
export interface JournalField {
  sessionId: string;
  value: string;
}

/** What replicated() reads back: the entry's payload, or the journal entry written with it. */
export type WrittenCopy = { payload: string } | { journal: JournalField };

/** What the journal needs of the cache's connection: commands of its own, through the breaker. */
export interface ValkeyCommands {
  /** Sends `args` (a command routed by its key), timed as `kind`; resolves to GLIDE's decoded reply. */
  customCommand(kind: StoreCommand, args: string[]): Promise<unknown>;
  /** Runs a Lua script on the node of `keys` (one hash slot), timed as `kind`. */
  script(kind: StoreCommand, script: Script, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * The session cache: a GLIDE cluster client, connected lazily and reconnected on demand, behind the
 * store's breaker. Every entry has a lease (cacheLeaseMs) and sits in one hash slot with its bucket's
 * journal (see cacheKey.ts), so a write and its journal entry are one atomic step.
 */
export class ValkeyCache implements ValkeyCommands {
  private client: Promise<GlideClusterClient> | undefined;
  /** The client once connected, so a command need not await the connection. */
  private connected: GlideClusterClient | undefined;
  /** When the last connection attempt failed, on the monotonic clock; never, at first. */
  private lastConnectFailure = Number.NEGATIVE_INFINITY;
  private readonly writeScript = new Script(WRITE);
  private readonly revalidateScript = new Script(REVALIDATE);
  private readonly deleteIfEqualScript = new Script(DELETE_IF_EQUAL);
  private closed = false;
  private readonly breaker: CircuitBreaker;

  /** Session entries live at `cacheKey(keyPrefix, id)`, leased for `leaseMs` milliseconds. */
  constructor(
    private readonly config: ResolvedConfig["valkey"],
    private readonly keyPrefix: string,
    private readonly leaseMs: number,
    private readonly stats: StoreStats,
    private readonly clock: () => number,
    onBreakerChange: (state: BreakerState) => void = () => {},
    /** Milliseconds on a clock that starts near 0 with the process (performance.now). */
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    this.breaker = new CircuitBreaker(config.breaker, onBreakerChange);
    if (!loggerConfigured) {
      // The core logs WARN lines to stdout by default; the store reports through stats and errors.
      Logger.setLoggerConfig("off");
      loggerConfigured = true;
    }
  }

  /** Connects now, within the connect and request timeouts; false (and usable) when it cannot. */
  async warmUp(): Promise<boolean> {
    const bound = this.config.connectTimeoutMs + this.config.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((done) => {
      timer = setTimeout(() => done(false), bound);
    });
    try {
      return await Promise.race([this.connection().then(() => true), deadline]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The session `id` and its lease, counted as a cache read; never rejects. */
  lookup(id: string): Promise<CacheLookup> {
    this.stats.count("cache", "reads");
    const keys = [this.key(id), leaseKey(this.keyPrefix, id)];
    return this.command("get", (c) => c.mget(keys) as Promise<(string | null)[]>).then(
      ([payload, lease]): CacheLookup => {
        if (payload === null || payload === undefined) {
          this.stats.count("cache", "misses");
          return { state: "miss" };
        }
        this.stats.count("cache", "hits");
        const session = decodePayload(payload, "cache");
        // The cache expires entries by its own clock; never hand out what our clock says has expired.
        const live = session && isLive(session.expiresAt, this.clock()) ? session : null;
        return { state: "hit", session: live, payload, leased: lease !== null };
      },
      (error: unknown): CacheLookup => ({ state: "error", error }),
    );
  }

  /**
   * Writes the payload of session `id` unless the cache holds a newer one, with a fresh lease; with
   * `journal`, journals it in the same step. True when the cache now holds exactly this payload.
   */
  async write(
    id: string,
    payload: string,
    expiresAt: number,
    journal?: JournalField,
  ): Promise<boolean> {
    return (await this.writeResult(id, payload, expiresAt, journal)) > 0;
  }

  /** As write(), telling a new write (1) from one the cache held already (2) and an older one (0). */
  writeResult(
    id: string,
    payload: string,
    expiresAt: number,
    journal?: JournalField,
  ): Promise<number> {
    const keys = [
      this.key(id),
      leaseKey(this.keyPrefix, id),
      journalKey(this.keyPrefix, bucketOf(id)),
    ];
    const args = [
      payload,
      String(expiresAt),
      String(this.leaseMs),
      journal?.sessionId ?? "",
      journal?.value ?? "",
    ];
    return this.script("write", this.writeScript, keys, args).then(Number);
  }

  /**
   * After a check against DynamoDB: replaces `seen` (what the entry held) with `durable` (DynamoDB's
   * payload, or a tombstone where it has none) unless the entry changed meanwhile or the journal
   * holds a write DynamoDB has not taken yet. 1: the entry is DynamoDB's, 2: the journal's, 0: changed.
   */
  revalidate(id: string, seen: string, durable: string, expiresAt: number): Promise<number> {
    const keys = [
      this.key(id),
      leaseKey(this.keyPrefix, id),
      journalKey(this.keyPrefix, bucketOf(id)),
    ];
    const args = [seen, id, durable, String(expiresAt), String(this.leaseMs)];
    return this.script("write", this.revalidateScript, keys, args).then(Number);
  }

  /** Deletes the entry of session `id` only while it holds exactly `payload`; true when deleted. */
  async deleteIfEqual(id: string, payload: string): Promise<boolean> {
    const keys = [this.key(id), leaseKey(this.keyPrefix, id)];
    return Number(await this.script("delete", this.deleteIfEqualScript, keys, [payload])) > 0;
  }

  /**
   * Takes back a cache write that was not acknowledged, so nothing unacknowledged stays readable.
   * True when the entry is no longer that write; false when the cache could not say. Never rejects.
   */
  async forget(id: string, payload: string): Promise<boolean> {
    return (await outcome(this.deleteIfEqual(id, payload))).status === "fulfilled";
  }

  delete(id: string): Promise<boolean> {
    const keys = [this.key(id), leaseKey(this.keyPrefix, id)];
    return this.command("delete", async (c) => (await c.del(keys)) > 0);
  }

  /**
   * Whether the write just made for session `id` is on a replica of its shard: waits up to
   * `timeoutMs` for one replica to have every write sent to the shard's primary (WAIT), then reads
   * back there that `written` still holds. The read makes the answer mean this write: GLIDE routes
   * each command on its own, so a WAIT can reach a node the write never reached (the slot moved in
   * between, or the write went to a primary that had lost its place), and counts nothing of it.
   */
  replicated(id: string, timeoutMs: number, written: WrittenCopy): Promise<boolean> {
    const key = this.key(id);
    return this.command("write", async (c) => {
      const acked = await c.customCommand(["WAIT", "1", String(timeoutMs)], {
        route: { type: "primarySlotKey", key },
      });
      if (Number(acked) < 1) return false;
      const [held, expected] =
        "journal" in written
          ? [
              await c.hget(journalKey(this.keyPrefix, bucketOf(id)), written.journal.sessionId),
              written.journal.value,
            ]
          : [await c.get(key), written.payload];
      return held !== null && String(held) === expected;
    });
  }

  /** One PING through the breaker: lets a half-open breaker probe the cache. */
  ping(): Promise<void> {
    return this.command("get", async (c) => {
      await c.customCommand(["PING"], { route: "randomNode" });
    });
  }

  customCommand(kind: StoreCommand, args: string[]): Promise<unknown> {
    return this.command(kind, (c) => c.customCommand(args));
  }

  script(kind: StoreCommand, script: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.command(kind, (c) => c.invokeScript(script, { keys, args }));
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
    this.writeScript.release();
    this.revalidateScript.release();
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
    if (this.monotonic() - this.lastConnectFailure < RECONNECT_BACKOFF_MS) {
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
        this.lastConnectFailure = this.monotonic();
      },
    );
    return connecting;
  }
}
