import { Then } from "@cucumber/cucumber";
import { expect } from "chai";
import type { SessionSource } from "../store";
import type { SessionWorld } from "../support/world";

const lastRead = (world: SessionWorld) => world.reads.at(-1);

Then("it is served by {store}", function (this: SessionWorld, source: SessionSource) {
  expect(lastRead(this)?.source).to.equal(source);
});

Then(
  "the reads are served by {store}, then by {store}",
  function (this: SessionWorld, first: SessionSource, second: SessionSource) {
    expect(this.reads.map((r) => r?.source)).to.deep.equal([first, second]);
  },
);

Then("nothing is found", function (this: SessionWorld) {
  expect(this.reads, "reads made").to.not.be.empty;
  expect(lastRead(this)).to.equal(null);
});

Then("reading {user}'s session finds nothing", async function (this: SessionWorld, user: string) {
  expect(await this.read(user)).to.equal(null);
});

Then(
  "reading {user}'s session returns the new data",
  async function (this: SessionWorld, user: string) {
    const expected = this.session(user);
    expect((await this.read(user))?.data).to.deep.equal(expected.data);
  },
);

Then(
  "all {int} readers get {user}'s session",
  function (this: SessionWorld, count: number, user: string) {
    const { id, version } = this.session(user);
    expect(this.reads).to.have.length(count);
    for (const read of this.reads)
      expect({ id: read?.id, version: read?.version }).to.deep.equal({ id, version });
  },
);

Then("every user's session is readable", async function (this: SessionWorld) {
  await this.readEveryUser();
  this.users().forEach((user, i) => {
    expect(this.reads[i]?.data, `${user}'s session`).to.deep.equal(this.session(user).data);
  });
});

Then(
  "{int} reads are served by the cache and {int} by DynamoDB",
  function (this: SessionWorld, fromCache: number, fromDynamo: number) {
    const last = this.reads.slice(-(fromCache + fromDynamo));
    expect(
      last.length === fromCache + fromDynamo && last.every((r) => r !== null),
      "every read found its session",
    ).to.equal(true);
    const count = (source: SessionSource) => last.filter((r) => r?.source === source).length;
    expect({ cache: count("cache"), dynamodb: count("dynamodb") }).to.deep.equal({
      cache: fromCache,
      dynamodb: fromDynamo,
    });
  },
);

Then("every session id is 24 characters of base64url", function (this: SessionWorld) {
  for (const { id } of this.sessions.values()) expect(id).to.match(/^[A-Za-z0-9_-]{24}$/);
});

Then("no two users share a session id", function (this: SessionWorld) {
  const ids = [...this.sessions.values()].map((s) => s.id);
  expect(new Set(ids).size).to.equal(ids.length);
});

Then("the store reports that nothing was deleted", function (this: SessionWorld) {
  expect(this.deleted).to.equal(false);
});
