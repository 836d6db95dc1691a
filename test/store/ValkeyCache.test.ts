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
});
