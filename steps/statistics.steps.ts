import { type DataTable, Then } from "@cucumber/cucumber";
import { expect } from "chai";
import type { StoreCounters, StoreName } from "../store";
import type { SessionWorld } from "../support/world";

Then("the statistics show:", async function (this: SessionWorld, table: DataTable) {
  const stats = await this.stats();
  for (const row of table.hashes()) {
    const { store, ...expected } = row as { store: StoreName } & Record<string, string>;
    const actual = Object.fromEntries(
      Object.keys(expected).map((k) => [k, stats[store][k as keyof StoreCounters]]),
    );
    expect(actual, `${store} counters`).to.deep.equal(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, Number(v)])),
    );
  }
});

Then("DynamoDB was not asked for any session", async function (this: SessionWorld) {
  expect((await this.stats()).dynamodb.reads).to.equal(0);
});

Then("DynamoDB was read once", async function (this: SessionWorld) {
  expect((await this.stats()).dynamodb.reads).to.equal(1);
});

Then(
  "the statistics report latency percentiles for {int} creates and {int} reads",
  async function (this: SessionWorld, creates: number, reads: number) {
    const { operations, commands } = await this.stats();
    expect([operations.create.count, operations.get.count]).to.deep.equal([creates, reads]);
    for (const summary of [
      operations.create,
      operations.get,
      commands.cache.get,
      commands.dynamodb.write,
    ]) {
      expect(summary.p50).to.be.greaterThan(0);
      expect(summary.p99).to.be.at.least(summary.p50);
      expect(summary.max).to.be.at.least(summary.p99);
    }
  },
);
