import { describe, it } from "node:test";
import { expect } from "chai";
import { CacheRepairs } from "../../store/CacheRepairs";

describe("CacheRepairs", () => {
  it("remembers ids until repaired, and counts repairs", () => {
    const r = new CacheRepairs(10);
    r.mark("a");
    r.mark("b");
    expect([r.needs("a"), r.needs("c"), r.pending]).to.deep.equal([true, false, 2]);
    r.done("a");
    r.done("zzz");
    expect([r.needs("a"), r.pending, r.repaired]).to.deep.equal([false, 1, 1]);
  });

  it("hands out ids in batches", () => {
    const r = new CacheRepairs(10);
    for (const id of ["a", "b", "c"]) r.mark(id);
    expect(r.next(2)).to.deep.equal(["a", "b"]);
  });

  it("beyond its bound, says every id needs repair rather than forget one", () => {
    const r = new CacheRepairs(2);
    r.mark("a");
    r.mark("b");
    r.mark("c");
    expect(r.overflow).to.equal(true);
    expect([r.needs("a"), r.needs("anything")]).to.deep.equal([true, true]);
    expect(r.pending).to.equal(0);
  });

  it("reports pending, repaired and overflow together", () => {
    const r = new CacheRepairs(10);
    r.mark("a");
    r.mark("b");
    r.done("a");
    expect(r.snapshot()).to.deep.equal({ pending: 1, repaired: 1, overflow: false });
  });
});
