import { Given, When } from "@cucumber/cucumber";
import type { SessionWorld } from "../support/world";

Given("a user has a session", async function (this: SessionWorld) {
  await this.signIn("the user");
});

Given("a user has a session lasting {duration}", async function (this: SessionWorld, ttl: number) {
  await this.signIn("the user", { ttlSeconds: ttl });
});

Given("a user has a session that the cache has evicted", async function (this: SessionWorld) {
  await this.signIn("the user");
  await this.evict("the user");
});

Given(
  /^(\d+) users have (?:sessions|signed in at once)$/,
  async function (this: SessionWorld, count: string) {
    await this.signInMany(Number(count));
  },
);

When("a user signs in", async function (this: SessionWorld) {
  await this.signIn("the user");
});

When(
  "a user signs in with a session lasting {duration}",
  async function (this: SessionWorld, ttl: number) {
    await this.signIn("the user", { ttlSeconds: ttl });
  },
);

When("{int} users sign in at once", async function (this: SessionWorld, count: number) {
  await this.signInMany(count);
});

When("{user}'s session is read", async function (this: SessionWorld, user: string) {
  await this.read(user);
});

When("{user}'s session is read twice", async function (this: SessionWorld, user: string) {
  await this.read(user);
  await this.read(user);
});

When("every user's session is read", async function (this: SessionWorld) {
  this.reads = [];
  await Promise.all(this.users().map((user) => this.read(user)));
});

When("every user's session is read twice", async function (this: SessionWorld) {
  for (const user of this.users()) {
    await this.read(user);
    await this.read(user);
  }
});

When("a session that never existed is read", async function (this: SessionWorld) {
  await this.readNonexistent();
});

When(
  "{int} readers ask for {user}'s session at once",
  async function (this: SessionWorld, count: number, user: string) {
    await this.readAtOnce(user, count);
  },
);

When(
  "{user}'s session is extended to last {duration}",
  async function (this: SessionWorld, user: string, ttl: number) {
    await this.extend(user, ttl);
  },
);

When("{user}'s data changes", async function (this: SessionWorld, user: string) {
  await this.change(user, { user, changed: true });
});

When("{user}'s session's lifetime has passed", async function (this: SessionWorld, user: string) {
  await this.outlive(user);
});

When("{user} signs out", async function (this: SessionWorld, user: string) {
  await this.signOut(user);
});

When("the data of a session that never existed is changed", async function (this: SessionWorld) {
  await this.changeNonexistent();
});

Given("the cache has evicted {user}'s session", async function (this: SessionWorld, user: string) {
  await this.evict(user);
});

Given(
  "the cache has evicted the sessions of {int} users",
  async function (this: SessionWorld, count: number) {
    await Promise.all(this.users(count).map((user) => this.evict(user)));
  },
);
