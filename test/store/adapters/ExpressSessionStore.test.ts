import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import {
  ExpressSessionStore,
  HybridSessionStore,
  isInvalidSessionData,
  isInvalidSessionId,
} from "../../../store";
import { EXPRESS_SECRET, expressApp } from "./expressApp";
import { expressSignedCookie, ProxiedEnvironment, within } from "./fixtures";
import * as scenario from "./scenarios";

const MAX_AGE_MS = 60_000;

/** Runs one express-session Store method as a promise. */
function call<T>(run: (done: (error?: unknown, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

describe("ExpressSessionStore with express-session, two Express instances on loopback", () => {
  let env: ProxiedEnvironment;
  const stores: HybridSessionStore[] = [];
  const servers: Server[] = [];
  let apps: scenario.AppsUnderTest;

  before(async () => {
    env = await ProxiedEnvironment.start(29100);
    const origins: string[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await HybridSessionStore.connect(env.config);
      stores.push(store);
      const server = expressApp(store, MAX_AGE_MS).listen(0, "127.0.0.1");
      await new Promise<void>((done) => server.once("listening", done));
      servers.push(server);
      origins.push(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    }
    apps = {
      env,
      origins: [origins[0] ?? "", origins[1] ?? ""],
      cookieName: "connect.sid",
      signedCookie: (id) => expressSignedCookie(id, EXPRESS_SECRET),
      maxAgeMs: MAX_AGE_MS,
    };
  });

  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    await Promise.all(stores.map((store) => store.close()));
    await env?.stop();
  });

  /** Heals this test's proxies and waits until both stores have replayed and repaired. */
  async function healed(): Promise<void> {
    await env.heal();
    await within("the stores to settle", async () => {
      for (const store of stores) expect(await store.settle()).to.equal(true);
    });
  }

  it("logs in, reads, changes on the other instance, logs out", () => scenario.fullJourney(apps));
  it("moves the expiry in both stores at every request (touch)", () =>
    scenario.rollingExpiry(apps));
  it("regenerates the session at login", () => scenario.regenerate(apps));
  it("treats a forged cookie as no session", () => scenario.forgedCookies(apps));

  it("keeps working with the cache down", async () => {
    try {
      await scenario.journeyWhileDown(apps, () => env.cacheDown());
    } finally {
      await healed();
    }
  });

  it("keeps working with DynamoDB down", async () => {
    try {
      await scenario.journeyWhileDown(apps, () => env.dynamoDbDown());
    } finally {
      await healed();
    }
  });

  it("passes the store's error to express-session when both stores are down", async () => {
    try {
      await scenario.bothDown(apps);
    } finally {
      await healed();
    }
  });

  describe("the Store methods", () => {
    const session = (user: string) => ({
      cookie: { originalMaxAge: MAX_AGE_MS, expires: new Date(Date.now() + MAX_AGE_MS) },
      user,
    });
    const frameworkId = () =>
      `${"x".repeat(10)}${Math.random().toString(36).slice(2, 12)}`.padEnd(32, "y");

    it("never brings back a session destroyed while another instance was saving it", async () => {
      const [a, b] = stores.map((s) => new ExpressSessionStore(s));
      if (!a || !b) throw new Error("two stores");
      const id = frameworkId();
      await call<void>((done) => a.set(id, session("ada"), done));
      const loaded = await call<{ user: string } | null>((done) => b.get(id, done));
      expect(loaded?.user).to.equal("ada");
      await call<void>((done) => a.destroy(id, done));
      await call<void>((done) => b.set(id, session("ada, saved late"), done));
      expect(await call((done) => a.get(id, done))).to.equal(null);
      expect(await env.expiries(id)).to.deep.equal({ cache: null, dynamodb: null });
    });

    it("lets two instances save the same new id at once: one creates, the other updates", async () => {
      const [a, b] = stores.map((s) => new ExpressSessionStore(s));
      if (!a || !b) throw new Error("two stores");
      const id = frameworkId();
      await Promise.all([
        call<void>((done) => a.set(id, session("ada"), done)),
        call<void>((done) => b.set(id, session("bob"), done)),
      ]);
      const stored = await call<{ user: string } | null>((done) => a.get(id, done));
      expect(stored?.user).to.be.oneOf(["ada", "bob"]);
      await call<void>((done) => a.destroy(id, done));
    });

    it("rejects what it cannot store with a typed error and stores nothing", async () => {
      const store = stores[0];
      if (!store) throw new Error("a store");
      const adapter = new ExpressSessionStore(store);
      const id = frameworkId();
      const bigint = { ...session("ada"), balance: 10n };
      const error = await call<void>((done) => adapter.set(id, bigint, done)).catch((e) => e);
      expect(isInvalidSessionData(error), String(error)).to.equal(true);
      const badId = await call<void>((done) => adapter.set("../x", session("ada"), done)).catch(
        (e) => e,
      );
      expect(isInvalidSessionId(badId), String(badId)).to.equal(true);
      expect(await env.expiries(id)).to.deep.equal({ cache: null, dynamodb: null });
      for (const malformed of ["", "short", "../../etc/passwd", "A".repeat(65)]) {
        expect(await call((done) => adapter.get(malformed, done)), malformed).to.equal(null);
        await call<void>((done) => adapter.destroy(malformed, done));
        await call<void>((done) => adapter.touch(malformed, session("ada"), done));
      }
    });
  });
});
