import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { cacheOutage } from "../support/load/cacheOutage";
import { historyClient } from "../support/load/LoadClient";
import { hitRatio, loadAttachments, timeSeriesAttachments } from "../support/load/loadReport";
import { lastLoad, rememberLoad } from "../support/load/loadRuns";
import type { MixedLoadOptions, RequestKind } from "../support/load/MixedLoad";
import { lateReads } from "../support/load/timeSeries";
import type { SessionWorld } from "../support/world";

/** A load step may run far longer than an ordinary step; still bounded. */
const LOAD_STEP_TIMEOUT_MS = 120_000;
/** "The last fifth of the run", as a share of the requests counted from the end. */
const LAST_FIFTH = 0.2;

/** Runs the load, keeps its result and the users' sessions, and attaches what it measured. */
async function load(
  world: SessionWorld,
  requestsPerUser: number,
  mix: Record<RequestKind, number>,
  more: Partial<MixedLoadOptions> = {},
): Promise<void> {
  // The load measures the store library itself (and resets its statistics), whatever the driver.
  const result = await world.runLoad({ requestsPerUser, mix, ...more });
  rememberLoad(world, result);
  for (const a of [
    ...loadAttachments(result, world.libraryStats()),
    ...timeSeriesAttachments(result),
  ])
    world.attach(a.body, { mediaType: a.mediaType, fileName: a.fileName });
}

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
    await load(this, requestsPerUser, { read, touch, update });
  },
);

When(
  "each user makes {int} requests: {int} % reads, {int} % extensions and {int} % changes, while the cache goes away and comes back",
  { timeout: LOAD_STEP_TIMEOUT_MS },
  async function (
    this: SessionWorld,
    requestsPerUser: number,
    read: number,
    touch: number,
    update: number,
  ) {
    const recorded = { client: historyClient(this), fault: cacheOutage(this) };
    await load(this, requestsPerUser, { read, touch, update }, recorded);
  },
);

Then("no request failed", function (this: SessionWorld) {
  expect(lastLoad(this).errors.slice(0, 5), "the first failed requests").to.deep.equal([]);
});

Then(
  "at least {int} % of the cache lookups found the session",
  function (this: SessionWorld, percent: number) {
    expect(hitRatio(this.libraryStats()) * 100, "cache hit ratio %").to.be.at.least(percent);
  },
);

Then(
  "at least {int} % of the reads in the last fifth of the run were served by the cache",
  function (this: SessionWorld, percent: number) {
    const late = lateReads(lastLoad(this), LAST_FIFTH);
    expect(
      late.ratio * 100,
      `${late.fromCache} of ${late.reads} late reads from the cache, %`,
    ).to.be.at.least(percent);
  },
);

Then(
  "both stores hold the same bytes, version and expiry of every user's session",
  async function (this: SessionWorld) {
    await Promise.all(
      [...this.sessions].map(async ([user, session]) => {
        const { cache, durable } = await this.expectInBoth(session.id);
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
