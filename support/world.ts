import { resolve } from "node:path";
import { type IWorldOptions, setWorldConstructor, World } from "@cucumber/cucumber";
import { expect } from "chai";
import { checkHistory, type FinalObservation, type Verdict } from "../checker/checkHistory";
import { History } from "../checker/History";
import { eventually } from "../common/eventually";
import type { Environment } from "../lab/Environment";
import { writeEnvFile } from "../lab/envFile";
import type { FaultProxy } from "../lab/FaultProxy";
import type { CacheEntry, CacheObserver } from "../lab/observe/CacheObserver";
import type { DurableEntry, DurableObserver } from "../lab/observe/DurableObserver";
import {
  type CreateOptions,
  cacheKey,
  HybridSessionStore,
  type HybridSessionStoreConfig,
  type JsonValue,
  newSessionId,
  type Session,
  type StatsSnapshot,
} from "../store";
import { HttpDriver } from "./drivers/HttpDriver";
import type { SessionDriver } from "./drivers/SessionDriver";
import type { Fault, FaultTools } from "./faults/catalog";
import { type MixedLoadOptions, type MixedLoadResult, runMixedLoad } from "./load/MixedLoad";
import { type BothEntries, expectInBoth, observeBoth } from "./observe/bothStores";

/** Everything a scenario is configured with comes from here (cucumber.js worldParameters). */
export interface SessionWorldParameters {
  /** The cucumber profile that runs: "local" (or "aws" later). */
  profile: string;
  /** The environment description to attach to, relative to the working directory. */
  envFile: string;
  /**
   * How scenarios reach the store: "in-process" calls it, "http" goes through the session service
   * (run in this process over the same store). Default: "in-process".
   */
  driver?: "in-process" | "http";
}

/** What one worker shares between scenarios: the environment and the observers. */
export interface SharedResources {
  env: Environment;
  cache: CacheObserver;
  durable: DurableObserver;
  /** Absent when the environment has no fault proxy. */
  faults?: FaultProxy;
}

type Stop = () => unknown;

/** The state of one scenario: its own store, key namespace, users and last outcomes. */
export class SessionWorld extends World<SessionWorldParameters> {
  shared!: SharedResources;
  /** What every action goes through: the store itself, or its HTTP service (worldParameters.driver). */
  private driver!: SessionDriver;
  /** The store library behind the driver, in this process: for what only it offers (the load). */
  private library: HybridSessionStore | undefined;
  /** The service `store` talks to, when scenarios run through HTTP. */
  private service: HttpDriver | undefined;
  /** Prefix of every cache key this scenario's store writes. */
  namespace = "";
  /** Sessions by user ("the user", "user 1", ...), as the store last returned them. */
  readonly sessions = new Map<string, Session>();
  /** What the last read(s) returned, in order. */
  reads: (Session | null)[] = [];
  /** Sessions by user as first created, to compare later states with. */
  readonly original = new Map<string, Session>();
  /** Outcomes of the last batch of concurrent changes. */
  outcomes: PromiseSettledResult<Session>[] = [];
  /** The result of the last sign-out. */
  deleted: boolean | undefined;
  /** The error the last action threw, if any. */
  lastError: unknown;
  /** The id an action was about to use, so a rejection can be checked against both stores. */
  intendedId: string | undefined;
  /** Every store operation of the scenario and every fault, for the history checker. */
  readonly history = new History();
  /** The last answer of the HTTP service to a raw request, with how long it took. */
  httpAnswer: { status: number; body: string; ms: number } | undefined;
  /** Operations that failed in the last churn. */
  churnFailures = 0;
  /** Valkey nodes this scenario killed, to bring back when its faults heal. */
  readonly killedNodes: number[] = [];
  private readonly stops: Stop[] = [];

  constructor(options: IWorldOptions<SessionWorldParameters>) {
    super(options);
  }

  /** Registers cleanup; After runs them last-registered first. */
  onStop(stop: Stop): void {
    this.stops.push(stop);
  }

  async runStops(): Promise<void> {
    const failures: unknown[] = [];
    while (this.stops.length > 0) {
      try {
        await this.stops.pop()?.();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  cacheKey(id: string): string {
    return cacheKey(this.namespace, id);
  }

  /** What both stores hold for a session, read directly (never through the store). */
  observeBoth(id: string): Promise<{ cache: CacheEntry | null; durable: DurableEntry | null }> {
    return observeBoth(this.shared, this.cacheKey(id), id);
  }

  /** Both stores hold a live session for `id`; returns both entries. */
  expectInBoth(id: string): Promise<BothEntries> {
    return expectInBoth(this.shared, this.cacheKey(id), id);
  }

  session(user = "the user"): Session {
    const session = this.sessions.get(user);
    if (!session) throw new Error(`${user} has no session in this scenario`);
    return session;
  }

  /** Creates a session for `user` and remembers it. */
  async signIn(user: string, options: CreateOptions = {}, data?: JsonValue): Promise<Session> {
    const value = data ?? { user, roles: ["reader"], visits: 1 };
    const input = { data: value, ttlSeconds: options.ttlSeconds };
    const session = await this.history.perform(user, "create", options.sessionId, input, () =>
      this.driver.create(value, options),
    );
    this.sessions.set(user, session);
    this.original.set(user, session);
    return session;
  }

  /** Replaces the user's data; the new version becomes the user's session. */
  async change(user: string, data: JsonValue): Promise<Session> {
    const id = this.session(user).id;
    const updated = await this.history.perform(user, "update", id, { data }, () =>
      this.driver.update(id, data),
    );
    this.sessions.set(user, updated);
    return updated;
  }

  /** Extends the user's session; null when there was none to extend. */
  async extend(user: string, ttlSeconds: number): Promise<Session | null> {
    const id = this.session(user).id;
    const touched = await this.history.perform(user, "touch", id, { ttlSeconds }, () =>
      this.driver.touch(id, ttlSeconds),
    );
    this.reads.push(touched);
    if (touched) this.sessions.set(user, touched);
    return touched;
  }

  async signOut(user: string): Promise<boolean> {
    const id = this.session(user).id;
    this.deleted = await this.history.perform(user, "delete", id, {}, () => this.driver.delete(id));
    return this.deleted;
  }

  /** Creates sessions for "user 1" .. "user N", all at once. */
  async signInMany(count: number): Promise<void> {
    await Promise.all(this.users(count).map((user) => this.signIn(user)));
  }

  /** "user 1" .. "user N". */
  users(count = this.sessions.size): string[] {
    return Array.from({ length: count }, (_, i) => `user ${i + 1}`);
  }

  async read(user: string): Promise<Session | null> {
    const id = this.session(user).id;
    const session = await this.history.perform(user, "read", id, {}, () => this.driver.get(id));
    this.reads.push(session);
    return session;
  }

  /** `count` reads of the user's session at once; they become the reads to check. */
  async readAtOnce(user: string, count: number): Promise<void> {
    const id = this.session(user).id;
    this.reads = await Promise.all(
      Array.from({ length: count }, () =>
        this.history.perform(user, "read", id, {}, () => this.driver.get(id)),
      ),
    );
  }

  /** Every user's session read once, all at once; they become the reads to check. */
  async readEveryUser(): Promise<void> {
    const reads = this.users().map((user) => this.read(user));
    this.reads = await Promise.all(reads);
  }

  /** `count` changes to the user's data at once; their outcomes are kept for the Then steps. */
  async changeAtOnce(user: string, count: number): Promise<void> {
    const { id } = this.session(user);
    this.outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, change) => {
        const data = { user, change };
        return this.history.perform(user, "update", id, { data }, () =>
          this.driver.update(id, data),
        );
      }),
    );
  }

  // Input the store refuses before any I/O is not a history operation: these are attempts only.

  /** Tries to create a session from (possibly bad) input; the error is kept for the Then steps. */
  async tryCreate(data: unknown, options: CreateOptions): Promise<void> {
    await this.attempt(() => this.driver.create(data as JsonValue, options));
  }

  /** Tries an operation on a session id as given (possibly malformed or unknown). */
  async tryOnId(id: string, operation: "read" | "changed" | "extended" | "deleted"): Promise<void> {
    const run = {
      read: () => this.driver.get(id),
      changed: () => this.driver.update(id, { user: "ada" }),
      extended: () => this.driver.touch(id, 60),
      deleted: () => this.driver.delete(id),
    };
    await this.attempt(run[operation]);
  }

  /** Tries to change the user's data, or its lifetime when `ttlSeconds` is given, with bad input. */
  async tryChange(user: string, input: { data?: unknown; ttlSeconds?: unknown }): Promise<void> {
    const { id } = this.session(user);
    await this.attempt(() =>
      input.ttlSeconds === undefined
        ? this.driver.update(id, input.data as JsonValue)
        : this.driver.touch(id, input.ttlSeconds as number),
    );
  }

  /** The store's counters, as the driver reports them (GET /stats through the service). */
  async stats(): Promise<StatsSnapshot> {
    return this.driver.stats();
  }

  /** True while the scenario's store is connected. */
  get connected(): boolean {
    return this.library !== undefined;
  }

  /** The library's own counters, in this process, whatever the driver. */
  libraryStats(): StatsSnapshot {
    if (!this.library) throw new Error("no store is connected in this scenario");
    return this.library.stats();
  }

  /** Runs a load against the library itself; the users' sessions become its last versions. */
  async runLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
    if (!this.library) throw new Error("no store is connected in this scenario");
    const result = await runMixedLoad(this.library, this.sessions, options);
    for (const [user, session] of result.sessions) this.sessions.set(user, session);
    return result;
  }

  /**
   * Connects the scenario's store with these settings on top of the environment's and, with the
   * http driver, starts the service over it.
   */
  async connect(overrides: Partial<HybridSessionStoreConfig> = {}): Promise<void> {
    const storeConfig = {
      ...this.shared.env.description.storeConfig,
      keyPrefix: this.namespace,
      ...overrides,
    };
    this.library = await HybridSessionStore.connect(storeConfig);
    this.driver = this.library;
    if (this.parameters.driver === "http") {
      this.service = await HttpDriver.start(this.library, { storeConfig });
      this.driver = this.service;
    }
  }

  /** Closes the scenario's store, if one is connected. */
  async closeStore(): Promise<void> {
    const library = this.library;
    this.library = undefined;
    await library?.close();
  }

  /** Stops the service, if one runs; the store stays open. */
  async closeService(): Promise<void> {
    const service = this.service;
    this.service = undefined;
    await service?.close();
  }

  /** Replaces the scenario's store (and service) with one built with these settings. */
  async reconnect(overrides: Partial<HybridSessionStoreConfig>): Promise<void> {
    await this.closeService();
    await this.closeStore();
    await this.connect(overrides);
  }

  answer(): { status: number; body: string; ms: number } {
    if (!this.httpAnswer) throw new Error("no request was sent to the service in this scenario");
    return this.httpAnswer;
  }

  /** The session service's base URL; only the local-http profile runs one. */
  get serviceUrl(): string {
    if (!this.service) {
      throw new Error("this scenario talks to the HTTP service: run it with --profile local-http");
    }
    return this.service.baseUrl;
  }

  /** What faults act through: the fault proxy and the environment's node processes. */
  private get faultTools(): FaultTools {
    const proxies = this.shared.faults;
    if (!proxies) throw new Error("this environment has no fault proxy (toxiproxy)");
    return {
      proxies,
      losePrimaryOf: (user) => this.losePrimaryOf(user),
      restartKilledNodes: () => this.restartKilledNodes(),
    };
  }

  /** Starts a fault, recorded in the history under the scenario's own words. */
  async startFault(fault: Fault): Promise<void> {
    this.history.fault(fault.words, "start");
    await fault.start(this.faultTools);
  }

  /** Heals one fault, recorded in the history. */
  async healFault(fault: Fault): Promise<void> {
    await fault.heal(this.faultTools);
    this.history.fault(fault.words, "heal");
  }

  /** Kills the primary that serves the user's session (its process, not its proxy). */
  private async losePrimaryOf(user: string): Promise<void> {
    const env: Environment = this.shared.env;
    if (!env.killNode) throw new Error("this environment cannot kill a Valkey node");
    const port = await this.shared.cache.primaryPortOf(this.cacheKey(this.session(user).id));
    this.killedNodes.push(port);
    await env.killNode(port);
  }

  private async restartKilledNodes(): Promise<void> {
    const env = this.shared.env;
    while (this.killedNodes.length > 0) {
      const port = this.killedNodes.pop() as number;
      await env.restartNode?.(port);
      // The node runs under a new pid: tell every tool that attaches (and env:down) about it.
      writeEnvFile(resolve(this.parameters.envFile), env.description);
    }
  }

  /** Every fault healed: proxies enabled without toxics, killed nodes back in the cluster. */
  async healAll(): Promise<void> {
    try {
      await this.shared.faults?.healAll();
    } finally {
      // Even when the proxy cannot be reached, a killed node must come back for the next scenario.
      await this.restartKilledNodes();
    }
    const open = new Set<string>();
    for (const e of this.history.events) {
      if (e.type !== "fault") continue;
      if (e.action === "start") open.add(e.name);
      else open.delete(e.name);
    }
    for (const name of open) this.history.fault(name, "heal");
  }

  /**
   * Heals every fault, waits until the store has replayed its journal and repaired its cache, then
   * checks the whole history against what both stores hold.
   */
  async verdictAfterHealing(): Promise<Verdict> {
    await this.healAll();
    await eventually(
      async () => {
        expect(await this.driver.settle(), "journal drained and cache repaired").to.equal(true);
      },
      { timeoutMs: 10_000, intervalMs: 100, what: "the store to settle after healing" },
    );
    const final = new Map<string, FinalObservation>();
    for (const id of this.history.sessionIds()) {
      const read = await this.driver.get(id);
      const [cache, durable] = await Promise.all([
        this.shared.cache.entry(this.cacheKey(id)),
        this.shared.durable.entry(id),
      ]);
      final.set(id, {
        read,
        cache: cache?.session
          ? { version: cache.session.version, payload: cache.payload, expiresAt: cache.expiresAt }
          : null,
        durable: durable
          ? { version: durable.version, payload: durable.payload, expiresAt: durable.expiresAt }
          : null,
        observedAt: Date.now(),
      });
    }
    return checkHistory(this.history, final, { defaultTtlSeconds: 1800 });
  }

  async readNonexistent(): Promise<void> {
    this.reads.push(await this.driver.get(newSessionId()));
  }

  /** Tries to change a session that never existed. */
  async changeNonexistent(): Promise<void> {
    await this.attempt(() => this.driver.update(newSessionId(), { user: "nobody" }));
  }

  async evict(user: string): Promise<void> {
    await this.shared.cache.evict(this.cacheKey(this.session(user).id));
  }

  /** Waits (at most 5 s) until the session has expired by the clock and the cache has dropped it. */
  async outlive(user: string): Promise<void> {
    const session = this.session(user);
    await eventually(
      async () => {
        expect(Date.now() / 1000, "the clock passed the expiry").to.be.at.least(session.expiresAt);
        expect(await this.shared.cache.entry(this.cacheKey(session.id)), "cache entry").to.equal(
          null,
        );
      },
      { timeoutMs: 5000, what: `${user}'s session to expire` },
    );
  }

  /** Runs an action that may be rejected, keeping the error for the Then steps. */
  async attempt(action: () => Promise<unknown>): Promise<void> {
    this.lastError = undefined;
    try {
      await action();
    } catch (error) {
      this.lastError = error;
    }
  }
}

setWorldConstructor(SessionWorld);
