import { describe, it } from "node:test";
import { expect } from "chai";
import { StoreStats } from "../../store/StoreStats";

describe("StoreStats", () => {
  it("counts per store and snapshots are copies", () => {
    const stats = new StoreStats();
    stats.count("cache", "hits");
    stats.count("cache", "hits");
    stats.count("dynamodb", "writes", 3);
    const snap = stats.snapshot();
    stats.count("cache", "hits");
    expect(snap.cache.hits).to.equal(2);
    expect(snap.dynamodb.writes).to.equal(3);
    expect(stats.snapshot().cache.hits).to.equal(3);
  });

  it("keeps latency per operation and per store command, and resets everything", () => {
    const stats = new StoreStats();
    stats.recordOperation("get", 1.5);
    stats.recordCommand("dynamodb", "get", 3);
    const snap = stats.snapshot();
    expect(snap.operations.get.count).to.equal(1);
    expect(snap.operations.create.count).to.equal(0);
    expect(snap.commands.dynamodb.get.p50).to.equal(3);
    stats.reset();
    expect(stats.snapshot().operations.get.count).to.equal(0);
    expect(stats.snapshot().cache.hits).to.equal(0);
  });

  it("stays the same size whatever it records (bounded memory)", () => {
    const stats = new StoreStats();
    const size = () => JSON.stringify(stats.snapshot()).length;
    const before = size();
    for (let i = 0; i < 200_000; i++) stats.recordOperation("get", (i % 997) / 10);
    expect(size()).to.be.within(before - 40, before + 80);
  });
});
