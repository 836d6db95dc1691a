import { describe, it } from "node:test";
import { expect } from "chai";
import { CacheRepairs } from "../../store/CacheRepairs";
import { StoreStats } from "../../store/StoreStats";
import { CACHE_WRITTEN, WriteBookkeeping } from "../../store/WriteBookkeeping";

function bookkeeping() {
  const counters = new StoreStats();
  const repairs = new CacheRepairs(10);
  const forgotten: string[] = [];
  const books = new WriteBookkeeping(counters, repairs, { forget: (id) => forgotten.push(id) });
  const counted = () => ({
    dynamodb: [counters.counters.dynamodb.writes, counters.counters.dynamodb.fallbacks],
    cache: [counters.counters.cache.writes, counters.counters.cache.fallbacks],
  });
  return { books, repairs, forgotten, counted };
}

const failed: PromiseRejectedResult = { status: "rejected", reason: new Error("cache down") };

describe("WriteBookkeeping.afterWrite", () => {
  it("counts a write both stores took, and makes later reads start afresh", () => {
    const { books, repairs, forgotten, counted } = bookkeeping();
    books.afterWrite("a", { durable: "written", cache: CACHE_WRITTEN });
    expect(counted()).to.deep.equal({ dynamodb: [1, 0], cache: [1, 0] });
    expect([repairs.needs("a"), forgotten]).to.deep.equal([false, ["a"]]);
  });

  it("marks for repair an entry whose cache write failed, and counts the cache's fallback", () => {
    const { books, repairs, counted } = bookkeeping();
    books.afterWrite("a", { durable: "written", cache: failed });
    expect(counted()).to.deep.equal({ dynamodb: [1, 0], cache: [0, 1] });
    expect(repairs.needs("a")).to.equal(true);
  });

  it("counts a journalled write as DynamoDB's fallback", () => {
    const { books, counted } = bookkeeping();
    books.afterWrite("a", { durable: "journalled", cache: CACHE_WRITTEN });
    expect(counted()).to.deep.equal({ dynamodb: [0, 1], cache: [1, 0] });
  });

  it("counts nothing for a cache that held a newer copy or a delete of nothing", () => {
    const { books, repairs, counted } = bookkeeping();
    books.afterWrite("a", { durable: "unchanged", cache: { status: "fulfilled", value: false } });
    expect(counted()).to.deep.equal({ dynamodb: [0, 0], cache: [0, 0] });
    expect(repairs.needs("a")).to.equal(false);
  });

  it("follows the caller on staleness when it says so", () => {
    const { books, repairs } = bookkeeping();
    books.afterWrite("a", {
      durable: "written",
      cache: { status: "fulfilled", value: false },
      stale: true,
    });
    books.afterWrite("b", { durable: "written", cache: failed, stale: false });
    expect([repairs.needs("a"), repairs.needs("b")]).to.deep.equal([true, false]);
  });
});
