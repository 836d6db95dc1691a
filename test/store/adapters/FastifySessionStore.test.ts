import { after, before, describe, it } from "node:test";
import { Signer } from "@fastify/cookie";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { HybridSessionStore } from "../../../store";
import { FASTIFY_SECRET, fastifyApp } from "./fastifyApp";
import { ProxiedEnvironment, within } from "./fixtures";
import * as scenario from "./scenarios";

const MAX_AGE_MS = 60_000;

describe("FastifySessionStore with @fastify/session, two Fastify instances on loopback", () => {
  let env: ProxiedEnvironment;
  const stores: HybridSessionStore[] = [];
  const servers: FastifyInstance[] = [];
  let apps: scenario.AppsUnderTest;

  before(async () => {
    env = await ProxiedEnvironment.start(29120);
    const origins: string[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await HybridSessionStore.connect(env.config);
      stores.push(store);
      const app = await fastifyApp(store, MAX_AGE_MS);
      servers.push(app);
      origins.push(await app.listen({ host: "127.0.0.1", port: 0 }));
    }
    const signer = new Signer(FASTIFY_SECRET);
    apps = {
      env,
      origins: [origins[0] ?? "", origins[1] ?? ""],
      cookieName: "sessionId",
      signedCookie: (id) => encodeURIComponent(signer.sign(id)),
      maxAgeMs: MAX_AGE_MS,
    };
  });

  after(async () => {
    await Promise.all(servers.map((app) => app.close()));
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
  it("moves the expiry in both stores at every response (rolling)", () =>
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

  // @fastify/session's regenerate destroys even a session it has just made, and with DynamoDB down
  // the store cannot tell that one from a session only DynamoDB holds: log in before the outage.
  it("keeps working with DynamoDB down, for a user logged in before", async () => {
    try {
      await scenario.journeyWhileDown(apps, () => env.dynamoDbDown(), { logInFirst: true });
    } finally {
      await healed();
    }
  });

  it("passes the store's error to @fastify/session when both stores are down", async () => {
    try {
      await scenario.bothDown(apps);
    } finally {
      await healed();
    }
  });
});
