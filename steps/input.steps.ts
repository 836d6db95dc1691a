import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { type CreateOptions, isSessionStoreError, isValidSessionId, newSessionId } from "../store";
import { badInput, idOfLength, sizedData } from "../support/badInput";
import type { SessionWorld } from "../support/world";

When("a user tries to sign in with {}", async function (this: SessionWorld, problem: string) {
  const input = badInput(problem);
  this.intendedId = (input.sessionId as string | undefined) ?? newSessionId();
  const options = { ttlSeconds: input.ttlSeconds, sessionId: this.intendedId } as CreateOptions;
  await this.tryCreate(input.data, options);
});

When("a user signs in with data of {int} KB", async function (this: SessionWorld, kb: number) {
  await this.signIn("the user", {}, sizedData(kb * 1024));
});

When(
  "a user signs in with an id of {int} characters",
  async function (this: SessionWorld, length: number) {
    await this.signIn("the user", { sessionId: idOfLength(length) });
  },
);

When(
  "a session with the id {string} is {word}",
  async function (this: SessionWorld, id: string, operation: string) {
    if (!["read", "changed", "extended", "deleted"].includes(operation))
      throw new Error(`no operation "${operation}"`);
    await this.tryOnId(id, operation as "read" | "changed" | "extended" | "deleted");
  },
);

When(
  "{user}'s session is changed with {}",
  async function (this: SessionWorld, user: string, problem: string) {
    await this.tryChange(user, badInput(problem));
  },
);

Then("the attempt is rejected as {string}", function (this: SessionWorld, code: string) {
  expect(
    isSessionStoreError(this.lastError),
    `a typed store error, got ${String(this.lastError)}`,
  ).to.equal(true);
  expect((this.lastError as { code: string }).code).to.equal(code);
});

Then("nothing was stored", async function (this: SessionWorld) {
  const { cache, dynamodb } = await this.stats();
  expect([cache.writes, cache.restores, dynamodb.writes], "writes counted").to.deep.equal([
    0, 0, 0,
  ]);
  expect(await this.shared.cache.keys(this.namespace), "cache keys of this scenario").to.deep.equal(
    [],
  );
  if (isValidSessionId(this.intendedId)) {
    expect(await this.shared.durable.entry(this.intendedId), "DynamoDB item").to.equal(null);
  }
});

Then(
  "{user}'s session is unchanged in both stores",
  async function (this: SessionWorld, user: string) {
    const original = this.original.get(user);
    const { cache, durable } = await this.expectInBoth(this.session(user).id);
    expect(cache.payload).to.equal(durable.payload);
    expect({
      version: durable.version,
      expiresAt: durable.expiresAt,
      data: durable.session.data,
    }).to.deep.equal({
      version: 1,
      expiresAt: original?.expiresAt,
      data: original?.data,
    });
  },
);
