import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { eventually } from "../common/eventually";
import { LEASE_MS, MARGIN_MS } from "../lab/faultClasses";
import type { SessionWorld } from "../support/world";
import { OPERATIONS } from "./faults.steps";

/** Starting app servers takes a few seconds of ts-node on a small machine: bounded all the same. */
const START_TIMEOUT_MS = 45_000;
/** "Within the cache lease": the lease, a breaker's open time, and room for the request. */
const WITHIN_LEASE_MS = 2 * LEASE_MS + MARGIN_MS;

Given(
  /^(two|three) app servers$/,
  { timeout: START_TIMEOUT_MS },
  async function (this: SessionWorld, count: string) {
    await this.startAppServers(count === "two" ? 2 : 3);
  },
);

When(
  "{user}'s data changes through app server {server}",
  async function (this: SessionWorld, user: string, server: string) {
    await this.change(user, { user, changedThrough: server }, server);
  },
);

When(
  "{user} signs out through app server {server}",
  async function (this: SessionWorld, user: string, server: string) {
    await this.signOut(user, server);
  },
);

When(
  "{user} tries to {operation} through app server {server}",
  async function (this: SessionWorld, user: string, operation: string, server: string) {
    await this.attempt(
      () => OPERATIONS[operation]?.(this, user, server) ?? Promise.reject(new Error(operation)),
    );
  },
);

Then(
  "app server {server} serves {user}'s new data within the cache lease",
  async function (this: SessionWorld, server: string, user: string) {
    const expected = this.session(user);
    await eventually(
      async () => expect((await this.read(user, server))?.data).to.deep.equal(expected.data),
      { timeoutMs: WITHIN_LEASE_MS, intervalMs: 100, what: `app server ${server} to serve it` },
    );
  },
);

Then(
  "app server {server} finds no session for {user} within the cache lease",
  async function (this: SessionWorld, server: string, user: string) {
    await eventually(async () => expect(await this.read(user, server)).to.equal(null), {
      timeoutMs: WITHIN_LEASE_MS,
      intervalMs: 100,
      what: `app server ${server} to find no session`,
    });
  },
);

Then(
  "reading {user}'s session through app server {server} returns the new data",
  async function (this: SessionWorld, user: string, server: string) {
    const expected = this.session(user);
    expect((await this.read(user, server))?.data).to.deep.equal(expected.data);
  },
);

Then(
  "DynamoDB soon holds {user}'s latest session",
  async function (this: SessionWorld, user: string) {
    const { id, version } = this.session(user);
    await eventually(
      async () => expect((await this.observeBoth(id)).durable?.version).to.equal(version),
      { timeoutMs: 8000, intervalMs: 100, what: "DynamoDB to hold the acknowledged change" },
    );
  },
);

Then("the attempt's outcome is unknown", function (this: SessionWorld) {
  expect((this.lastError as { code?: string } | undefined)?.code, String(this.lastError)).to.equal(
    "OUTCOME_UNKNOWN",
  );
});

Then("the attempt succeeds within {int} seconds", function (this: SessionWorld, s: number) {
  expect(this.lastError, "the operation's error").to.equal(undefined);
  expect(this.attemptMs, "milliseconds to the answer").to.be.below(s * 1000);
});
