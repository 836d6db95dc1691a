import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { hitRatio, loadAttachments } from "../support/load/loadReport";
import { lastLoad, rememberLoad } from "../support/load/loadRuns";
import { runMixedLoad } from "../support/load/MixedLoad";
import { expectInBoth } from "../support/observe/bothStores";
import type { SessionWorld } from "../support/world";

/** A load step may run far longer than an ordinary step; still bounded. */
const LOAD_STEP_TIMEOUT_MS = 120_000;

When(
  "each user makes {int} requests: {int} % reads, {int} % extensions and {int} % changes",
  { timeout: LOAD_STEP_TIMEOUT_MS },
  async function (
    this: SessionWorld,
    requestsPerUser: number,
    read: number,
    touch: number,
    update: number,
  ) {
    const result = await runMixedLoad(this.store, this.sessions, {
      requestsPerUser,
      mix: { read, touch, update },
    });
    rememberLoad(this, result);
    for (const [user, session] of result.sessions) this.sessions.set(user, session);
    for (const a of loadAttachments(result, this.store.stats()))
      this.attach(a.body, { mediaType: a.mediaType, fileName: a.fileName });
  },
);

Then("no request failed", function (this: SessionWorld) {
  expect(lastLoad(this).errors.slice(0, 5), "the first failed requests").to.deep.equal([]);
});

Then(
  "at least {int} % of the cache lookups found the session",
  function (this: SessionWorld, percent: number) {
    expect(hitRatio(this.store.stats()) * 100, "cache hit ratio %").to.be.at.least(percent);
  },
);

Then(
  "both stores hold the same bytes, version and expiry of every user's session",
  async function (this: SessionWorld) {
    await Promise.all(
      [...this.sessions].map(async ([user, session]) => {
        const { cache, durable } = await expectInBoth(this, session.id);
        expect(
          { bytes: cache.payload, version: cache.session?.version, expiresAt: cache.expiresAt },
          `${user}'s session in the cache`,
        ).to.deep.equal({
          bytes: durable.payload,
          version: session.version,
          expiresAt: session.expiresAt,
        });
        expect(
          { version: durable.version, expiresAt: durable.expiresAt },
          `${user}'s session in DynamoDB`,
        ).to.deep.equal({ version: session.version, expiresAt: session.expiresAt });
      }),
    );
  },
);
