import { type IWorldOptions, setWorldConstructor, World } from "@cucumber/cucumber";
import { expect } from "chai";
import {
  type CreateOptions,
  type HybridSessionStore,
  type JsonValue,
  newSessionId,
  type Session,
} from "../store";
import type { Environment } from "./env/Environment";
import { eventually } from "./eventually";
import type { CacheObserver } from "./observe/CacheObserver";
import type { DurableObserver } from "./observe/DurableObserver";

/** Everything a scenario is configured with comes from here (cucumber.js worldParameters). */
export interface SessionWorldParameters {
  /** The cucumber profile that runs: "local" (or "aws" later). */
  profile: string;
  /** The environment description to attach to, relative to the working directory. */
  envFile: string;
}

/** What one worker shares between scenarios: the environment and the observers. */
export interface SharedResources {
  env: Environment;
  cache: CacheObserver;
  durable: DurableObserver;
}

type Stop = () => unknown;

/** The state of one scenario: its own store, key namespace, users and last outcomes. */
export class SessionWorld extends World<SessionWorldParameters> {
  shared!: SharedResources;
  store!: HybridSessionStore;
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
    return `${this.namespace}session:${id}`;
  }

  session(user = "the user"): Session {
    const session = this.sessions.get(user);
    if (!session) throw new Error(`${user} has no session in this scenario`);
    return session;
  }

  /** Creates a session for `user` and remembers it. */
  async signIn(user: string, options: CreateOptions = {}, data?: JsonValue): Promise<Session> {
    const session = await this.store.create(
      data ?? { user, roles: ["reader"], visits: 1 },
      options,
    );
    this.sessions.set(user, session);
    this.original.set(user, session);
    return session;
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
    const session = await this.store.get(this.session(user).id);
    this.reads.push(session);
    return session;
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
