import { describe, it } from "node:test";
import { expect } from "chai";
import { CacheRepairs } from "../../store/CacheRepairs";
import { Maintenance } from "../../store/Maintenance";
import type { DrainResult } from "../../store/SessionJournal";
import type { StoreEvent } from "../../store/StoreEvents";

/** A journal that drains as told, and counts the drains. */
class FakeJournal {
  dirty = false;
  drains = 0;
  result: DrainResult = { drained: true, replayed: 0 };
  async drain(): Promise<DrainResult> {
    this.drains += 1;
    if (this.result.drained) this.dirty = false;
    return this.result;
  }
}

function maintenance(cacheUp = true) {
  const journal = new FakeJournal();
  const repairs = new CacheRepairs(10);
  const repaired: string[] = [];
  const events: StoreEvent[] = [];
  const cache = { ping: () => (cacheUp ? Promise.resolve() : Promise.reject(new Error("down"))) };
  const repair = async (id: string) => {
    repaired.push(id);
    repairs.done(id);
  };
  const m = new Maintenance(journal, repairs, cache, repair, { emit: (e) => events.push(e) }, 1000);
  return { m, journal, repairs, repaired, events };
}

describe("Maintenance", () => {
  it("replays the journal and says how many entries it replayed", async () => {
    const { m, journal, events } = maintenance();
    journal.dirty = true;
    journal.result = { drained: true, replayed: 3 };
    expect(await m.settle()).to.equal(true);
    expect(events).to.deep.equal([{ type: "journal-drained", replayed: 3 }]);
  });

  it("says nothing of a drain that replayed nothing or did not finish", async () => {
    const { m, journal, events } = maintenance();
    journal.dirty = true;
    journal.result = { drained: false, replayed: 2 };
    expect(await m.settle()).to.equal(false);
    expect(events).to.deep.equal([]);
  });

  it("looks at the shared journal on settle even when this process journalled nothing", async () => {
    const { m, journal } = maintenance();
    await m.settle();
    expect(journal.drains).to.equal(1);
  });

  it("repairs the pending entries once the cache answers", async () => {
    const { m, repairs, repaired } = maintenance();
    repairs.mark("a");
    repairs.mark("b");
    expect(await m.settle()).to.equal(true);
    expect(repaired).to.deep.equal(["a", "b"]);
  });

  it("repairs nothing while the cache does not answer", async () => {
    const { m, repairs, repaired } = maintenance(false);
    repairs.mark("a");
    expect(await m.settle()).to.equal(false);
    expect(repaired).to.deep.equal([]);
  });

  it("runs one round at a time: a second settle joins the round under way", async () => {
    const { m, journal } = maintenance();
    journal.dirty = true;
    await Promise.all([m.settle(), m.settle()]);
    expect(journal.drains).to.equal(1);
  });
});
