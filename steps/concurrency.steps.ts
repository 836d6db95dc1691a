import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { isSessionStoreError } from "../store";
import type { SessionWorld } from "../support/world";

When(
  "{int} changes to {user}'s data are made at once",
  async function (this: SessionWorld, count: number, user: string) {
    await this.changeAtOnce(user, count);
  },
);

Then(
  "each change is acknowledged with a version of its own or rejected as {string}",
  function (this: SessionWorld, code: string) {
    const versions = this.outcomes.flatMap((o) =>
      o.status === "fulfilled" ? [o.value.version] : [],
    );
    for (const o of this.outcomes) {
      if (o.status === "rejected")
        expect(isSessionStoreError(o.reason) && o.reason.code, String(o.reason)).to.equal(code);
    }
    expect(versions, "acknowledged versions").to.not.be.empty;
    expect(new Set(versions).size, "distinct versions").to.equal(versions.length);
  },
);

Then(
  "both stores hold the last acknowledged version of {user}'s session",
  async function (this: SessionWorld, user: string) {
    const acknowledged = this.outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const last = acknowledged.reduce((a, b) => (b.version > a.version ? b : a));
    const { cache, durable } = await this.expectInBoth(this.session(user).id);
    expect({ cache: cache.session?.version, dynamodb: durable.version }).to.deep.equal({
      cache: last.version,
      dynamodb: last.version,
    });
    expect(durable.session.data).to.deep.equal(last.data);
    expect(last.version, "one version per acknowledged change").to.equal(1 + acknowledged.length);
  },
);
