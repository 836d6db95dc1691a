import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { resolveConfig } from "../../store/config";
import { StoreStats } from "../../store/StoreStats";
import { ValkeyCache } from "../../store/ValkeyCache";
import { type LocalEnv, localEnv, testPrefix } from "../service/localEnv";

describe("ValkeyCache against the local cluster", () => {
  let env: LocalEnv;
  before(async () => {
    env = await localEnv();
  });
  after(async () => {
    await env.release();
  });

  const cacheAt = (monotonicMs: number) =>
    new ValkeyCache(
      resolveConfig({ ...env.description.storeConfig }).valkey,
      testPrefix(),
      1000,
      new StoreStats(),
      Date.now,
      () => undefined,
      () => monotonicMs,
    );

  it("connects in a process's first half second, when no attempt has failed yet", async () => {
    // The process clock starts near 0: a back-off measured from "no failure" as 0 refused this.
    const cache = cacheAt(10);
    try {
      expect(await cache.warmUp(), "connected").to.equal(true);
      expect((await cache.lookup("abcdefghijklmnopqrstuvwx")).state).to.equal("miss");
    } finally {
      await cache.close();
    }
  });

  it("says a write is replicated only while its shard still holds it, once a replica has it", async () => {
    const cache = cacheAt(performance.now());
    const id = "replicatedABCDEFGHIJKLMN";
    const journal = { sessionId: id, value: '{"op":"put"}' };
    try {
      const payload = '{"version":1,"createdAt":1,"updatedAt":1,"expiresAt":4102444800,"data":{}}';
      expect(await cache.writeResult(id, payload, 4102444800, journal)).to.equal(1);
      expect(await cache.replicated(id, 1000, { payload }), "the entry").to.equal(true);
      expect(await cache.replicated(id, 1000, { journal }), "its journal entry").to.equal(true);
      // A WAIT counts whatever reached the node it was sent to; only the read back ties it to a write.
      expect(await cache.replicated(id, 1000, { payload: `${payload} ` }), "another copy").to.equal(
        false,
      );
      expect(
        await cache.replicated(id, 1000, { journal: { sessionId: id, value: "{}" } }),
        "another journal entry",
      ).to.equal(false);
      expect(
        await cache.replicated("neverWrittenABCDEFGHIJKL", 1000, { payload }),
        "nothing written",
      ).to.equal(false);
    } finally {
      await cache.close();
    }
  });
});
