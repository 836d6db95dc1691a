import { resolve } from "node:path";
import { type IWorldOptions, setWorldConstructor, World } from "@cucumber/cucumber";
import { expect } from "chai";
import { checkHistory, type Verdict } from "../checker/checkHistory";
import { History } from "../checker/History";
import { eventually } from "../common/eventually";
import { writeEnvFile } from "../lab/envFile";
import { LEASE_MS, stalenessBounds } from "../lab/faultClasses";
import type { CacheEntry } from "../lab/observe/CacheObserver";
import type { DurableEntry } from "../lab/observe/DurableObserver";
import { observeFinal, settled } from "../lab/observe/finalState";
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
import { ScenarioServers } from "./drivers/ScenarioServers";
import type { SessionCalls, SessionDriver } from "./drivers/SessionDriver";
import type { Fault } from "./faults/catalog";
import { ScenarioFaults } from "./faults/ScenarioFaults";
import { type MixedLoadOptions, type MixedLoadResult, runMixedLoad } from "./load/MixedLoad";
import { type BothEntries, expectInBoth, observeBoth } from "./observe/bothStores";
import type { SessionWorldParameters, SharedResources } from "./SharedResources";

export type { SessionWorldParameters, SharedResources } from "./SharedResources";

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
  /** The error the last action threw, if any, and how long it took to answer, in milliseconds. */
  lastError: unknown;
  attemptMs = 0;
  /** The id an action was about to use, so a rejection can be checked against both stores. */
  intendedId: string | undefined;
  /** Every store operation of the scenario and every fault, for the history checker. */
  readonly history = new History();
  /** The last answer of the HTTP service to a raw request, with how long it took. */
  httpAnswer: { status: number; body: string; ms: number } | undefined;
  /** Operations that failed in the last churn. */
  churnFailures = 0;
  /** This scenario's faults (set up with the shared resources in Before). */
  private faults!: ScenarioFaults;
  /** The app servers this scenario started, if any. */
  private servers!: ScenarioServers;
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
  async signIn(
    user: string,
    options: CreateOptions = {},
    data?: JsonValue,
    server?: string,
  ): Promise<Session> {
    const value = data ?? { user, roles: ["reader"], visits: 1 };
    const input = { data: value, ttlSeconds: options.ttlSeconds, ...served(server) };
    const session = await this.history.perform(user, "create", options.sessionId, input, () =>
      this.via(server).create(value, options),
    );
    this.sessions.set(user, session);
    this.original.set(user, session);
    return session;
  }

  /** Replaces the user's data; the new version becomes the user's session. */
  async change(user: string, data: JsonValue, server?: string): Promise<Session> {
    const id = this.session(user).id;
    const updated = await this.history.perform(
      user,
      "update",
      id,
      { data, ...served(server) },
      () => this.via(server).update(id, data),
    );
    this.sessions.set(user, updated);
    return updated;
  }

  /** Extends the user's session; null when there was none to extend. */
  async extend(user: string, ttlSeconds: number, server?: string): Promise<Session | null> {
    const id = this.session(user).id;
    const input = { ttlSeconds, ...served(server) };
    const touched = await this.history.perform(user, "touch", id, input, () =>
      this.via(server).touch(id, ttlSeconds),
    );
    this.reads.push(touched);
    if (touched) this.sessions.set(user, touched);
    return touched;
  }

  async signOut(user: string, server?: string): Promise<boolean> {
    const id = this.session(user).id;
    this.deleted = await this.history.perform(user, "delete", id, served(server), () =>
      this.via(server).delete(id),
    );
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

  async read(user: string, server?: string): Promise<Session | null> {
    const id = this.session(user).id;
    const session = await this.history.perform(user, "read", id, served(server), () =>
      this.via(server).get(id),
    );
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
      cacheLeaseMs: LEASE_MS,
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

  /** Starts a fault, recorded in the history under the scenario's own words. */
  startFault(fault: Fault): Promise<void> {
    return this.faults.start(fault);
  }

  /** Heals one fault, recorded in the history. */
  healFault(fault: Fault): Promise<void> {
    return this.faults.heal(fault);
  }

  /** Every fault healed: proxies enabled without toxics, killed nodes back in the cluster. */
  healAll(): Promise<void> {
    return this.faults.healAll();
  }

  /** Nodes a fault of this scenario killed and has not restarted yet. */
  get killedNodes(): readonly number[] {
    return this.faults.killed;
  }

  /** Starts `count` app servers (A, B, ...), each a session service process on its own proxies. */
  async startAppServers(count: number): Promise<void> {
    // Their faults heal before they stop: a node they paused must resume, whatever their proxies.
    const onStop = (stop: () => Promise<void>) =>
      this.onStop(async () => {
        await this.faults.healAll().finally(stop);
      });
    this.faults.useServers(await this.servers.start(count, onStop));
  }

  /** The driver for a request: app server `server`'s HTTP service, or the scenario's own. */
  private via(server: string | undefined): SessionCalls {
    return server === undefined ? this.driver : this.servers.client(server);
  }

  /** Takes the worker's shared resources and sets up this scenario's faults over them. */
  useShared(shared: SharedResources): void {
    this.shared = shared;
    this.servers = new ScenarioServers(shared.env.description, this.namespace);
    this.faults = new ScenarioFaults(
      shared.env,
      shared.faults,
      this.history,
      (user) => this.cacheKey(this.session(user).id),
      (key) => shared.cache.primaryPortOf(key),
      () => writeEnvFile(resolve(this.parameters.envFile), shared.env.description),
    );
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
    const lastEvent = this.history.events.at(-1)?.at ?? Date.now();
    // Several app servers settle on their own: wait until their work is visibly done.
    if (this.servers.started) await settled(this.shared.cache, this.namespace, lastEvent, LEASE_MS);
    const final = await observeFinal(
      this.history.sessionIds(),
      (id) => this.driver.get(id),
      this.shared,
      (id) => this.cacheKey(id),
    );
    return checkHistory(this.history, final, {
      defaultTtlSeconds: 1800,
      // One store in this process sees its own writes at once; several servers share the bounds.
      stalenessMs: this.servers.started ? stalenessBounds() : {},
    });
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
    const started = performance.now();
    try {
      await action();
    } catch (error) {
      this.lastError = error;
    } finally {
      this.attemptMs = performance.now() - started;
    }
  }
}

/** The history's note of which app server handled an operation, if one did. */
const served = (server: string | undefined): { server?: string } =>
  server === undefined ? {} : { server: `app server ${server}` };

setWorldConstructor(SessionWorld);
