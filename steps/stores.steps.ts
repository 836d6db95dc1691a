import { Then } from "@cucumber/cucumber";
import { expect } from "chai";
import type { SessionWorld } from "../support/world";

Then(
  "the cache and DynamoDB hold the same bytes for {user}'s session",
  async function (this: SessionWorld, user: string) {
    const { cache, durable } = await this.expectInBoth(this.session(user).id);
    expect(cache.payload).to.equal(durable.payload);
  },
);

Then(
  "both stores hold version {int} of {user}'s session",
  async function (this: SessionWorld, version: number, user: string) {
    const { cache, durable } = await this.expectInBoth(this.session(user).id);
    expect([cache.session?.version, durable.version, durable.session.version]).to.deep.equal([
      version,
      version,
      version,
    ]);
  },
);

Then(
  "both stores expire {user}'s session at the same second",
  async function (this: SessionWorld, user: string) {
    const session = this.session(user);
    const { cache, durable } = await this.expectInBoth(session.id);
    expect({ cache: cache.expiresAt, dynamodb: durable.expiresAt }).to.deep.equal({
      cache: session.expiresAt,
      dynamodb: session.expiresAt,
    });
  },
);

Then(
  "{user}'s session expires {duration} from now",
  function (this: SessionWorld, user: string, ttl: number) {
    const remaining = this.session(user).expiresAt - Date.now() / 1000;
    expect(remaining, "seconds left").to.be.within(ttl - 2, ttl + 1);
  },
);

Then(
  "{user}'s session expires at the instant it was created with",
  function (this: SessionWorld, user: string) {
    expect(this.session(user).expiresAt).to.equal(this.original.get(user)?.expiresAt);
  },
);

Then(
  "the cache holds {user}'s session again, expiring at the original instant",
  async function (this: SessionWorld, user: string) {
    const session = this.session(user);
    const { cache, durable } = await this.expectInBoth(session.id);
    expect(cache.payload, "restored bytes").to.equal(durable.payload);
    expect(cache.expiresAt, "restored expiry").to.equal(session.expiresAt);
  },
);

Then("neither store holds {user}'s session", async function (this: SessionWorld, user: string) {
  const { cache, durable } = await this.observeBoth(this.session(user).id);
  expect(durable, "DynamoDB item").to.equal(null);
  expect(cache?.session ?? null, "cache entry").to.equal(null);
});

Then(
  "DynamoDB still holds {user}'s expired session",
  async function (this: SessionWorld, user: string) {
    const { durable } = await this.observeBoth(this.session(user).id);
    expect(durable, "DynamoDB item").to.not.equal(null);
    expect(durable?.expiresAt).to.be.at.most(Math.floor(Date.now() / 1000));
  },
);

Then("the cache does not hold {user}'s session", async function (this: SessionWorld, user: string) {
  const { cache } = await this.observeBoth(this.session(user).id);
  expect(cache, "cache entry").to.equal(null);
});

Then("both stores hold every user's session", async function (this: SessionWorld) {
  await Promise.all(this.users().map((user) => this.expectInBoth(this.session(user).id)));
});
