import { describe, it } from "node:test";
import { expect } from "chai";
import { bucketOf, cacheKey, JOURNAL_BUCKETS, journalKey, leaseKey } from "../../store/cacheKey";

describe("the cache's key layout", () => {
  it("puts a session's entry, its lease and its bucket's journal under one hash tag", () => {
    const id = "abcdefghijklmnopqrstuvwx";
    const tag = (key: string) => /\{[^}]+\}/.exec(key)?.[0];
    expect(cacheKey("t1:", id)).to.match(/^t1:\{b\d\d\}s:abcdefghijklmnopqrstuvwx$/);
    expect(tag(leaseKey("t1:", id))).to.equal(tag(cacheKey("t1:", id)));
    expect(tag(journalKey("t1:", bucketOf(id)))).to.equal(tag(cacheKey("t1:", id)));
  });

  it("spreads ids over every bucket, the same way every time", () => {
    const buckets = new Set<number>();
    for (let i = 0; i < 5000; i++) buckets.add(bucketOf(`session-${i}`));
    expect(buckets.size).to.equal(JOURNAL_BUCKETS);
    expect(bucketOf("abc")).to.equal(bucketOf("abc"));
  });
});
