import { resolve } from "node:path";
import { type IWorldOptions, setWorldConstructor, World } from "@cucumber/cucumber";
import { expect } from "chai";
import { checkHistory, type FinalObservation, type Verdict } from "../checker/checkHistory";
import { History } from "../checker/History";
import type { Environment } from "../lab/Environment";
import { writeEnvFile } from "../lab/envFile";
import { eventually } from "../lab/eventually";
import type { FaultControl } from "../lab/FaultControl";
import {
  type CreateOptions,
  cacheKey,
  HybridSessionStore,
  type HybridSessionStoreConfig,
  type JsonValue,
  newSessionId,
  type Session,
} from "../store";
import { HttpDriver } from "./drivers/HttpDriver";
import type { SessionDriver } from "./drivers/SessionDriver";
import type { CacheObserver } from "./observe/CacheObserver";
import type { DurableObserver } from "./observe/DurableObserver";

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
  faults?: FaultControl;
}

type Stop = () => unknown;

/** The state of one scenario: its own store, key namespace, users and last outcomes. */
export class SessionWorld extends World<SessionWorldParameters> {
  shared!: SharedResources;
  /** What the steps act through: the store itself, or its HTTP service (worldParameters.driver). */
  store!: SessionDriver;
  /** The store library behind `store`, in this process: for what only it offers (resetStats). */
  hybridStore!: HybridSessionStore;
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
      this.store.create(value, options),
    );
    this.sessions.set(user, session);
    this.original.set(user, session);
    return session;
  }

  /** Replaces the user's data; the new version becomes the user's session. */
  async change(user: string, data: JsonValue): Promise<Session> {
    const id = this.session(user).id;
    const updated = await this.history.perform(user, "update", id, { data }, () =>
      this.store.update(id, data),
    );
    this.sessions.set(user, updated);
    return updated;
  }

  /** Extends the user's session; null when there was none to extend. */
  async extend(user: string, ttlSeconds: number): Promise<Session | null> {
    const id = this.session(user).id;
    const touched = await this.history.perform(user, "touch", id, { ttlSeconds }, () =>
      this.store.touch(id, ttlSeconds),
    );
    this.reads.push(touched);
    if (touched) this.sessions.set(user, touched);
    return touched;
  }

  async signOut(user: string): Promise<boolean> {
    const id = this.session(user).id;
    this.deleted = await this.history.perform(user, "delete", id, {}, () => this.store.delete(id));
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
    const session = await this.history.perform(user, "read", id, {}, () => this.store.get(id));
    this.reads.push(session);
    return session;
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
    this.hybridStore = await HybridSessionStore.connect(storeConfig);
    this.store = this.hybridStore;
    if (this.parameters.driver === "http") {
      this.service = await HttpDriver.start(this.hybridStore, { storeConfig });
      this.store = this.service;
    }
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
    await this.hybridStore.close();
    await this.connect(overrides);
  }

  answer(): { status: number; body: string; ms: number } {
    if (!this.httpAnswer) throw new Error("no request was sent to the service in this scenario");
    return this.httpAnswer;
  }

  /** The session service's base URL; only the local-http profile runs one. */
  get serviceUrl(): string {
    if (!(this.store instanceof HttpDriver)) {
      throw new Error("this scenario talks to the HTTP service: run it with --profile local-http");
    }
    return this.store.baseUrl;
  }

  /** The fault proxy; fails the step clearly where the environment has none. */
  get faults(): FaultControl {
    if (!this.shared.faults) throw new Error("this environment has no fault proxy (toxiproxy)");
    return this.shared.faults;
  }

  /** Starts a fault, recorded in the history under the scenario's own words. */
  async startFault(name: string, inject: () => Promise<void>): Promise<void> {
    this.history.fault(name, "start");
    await inject();
  }

  /** Kills the primary that serves the user's session (its process, not its proxy). */
  async losePrimaryOf(user: string): Promise<number> {
    const env: Environment = this.shared.env;
    if (!env.killNode) throw new Error("this environment cannot kill a Valkey node");
    const port = await this.shared.cache.primaryPortOf(this.cacheKey(this.session(user).id));
    this.killedNodes.push(port);
    await env.killNode(port);
    return port;
  }

  /** Every fault healed: proxies enabled without toxics, killed nodes back in the cluster. */
  async healAll(): Promise<void> {
    const env = this.shared.env;
    try {
      await this.shared.faults?.healAll();
    } finally {
      // Even when the proxy cannot be reached, a killed node must come back for the next scenario.
      while (this.killedNodes.length > 0) {
        const port = this.killedNodes.pop() as number;
        await env.restartNode?.(port);
        // The node runs under a new pid: tell every tool that attaches (and env:down) about it.
        writeEnvFile(resolve(this.parameters.envFile), env.description);
      }
    }
    for (const e of this.history.events) {
      if (e.type === "fault" && e.action === "start") this.history.fault(e.name, "heal");
    }
  }

  /**
   * Heals every fault, waits until the store has replayed its journal and repaired its cache, then
   * checks the whole history against what both stores hold.
   */
  async verdictAfterHealing(): Promise<Verdict> {
    await this.healAll();
    await eventually(
      async () => {
        expect(await this.store.settle(), "journal drained and cache repaired").to.equal(true);
      },
      { timeoutMs: 10_000, intervalMs: 100, what: "the store to settle after healing" },
    );
    const final = new Map<string, FinalObservation>();
    for (const id of this.history.sessionIds()) {
      const read = await this.store.get(id);
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
    this.reads.push(await this.store.get(newSessionId()));
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
