import { describe, it } from "node:test";
import { expect } from "chai";
import { LatencyHistogram } from "../../store/LatencyHistogram";

describe("LatencyHistogram", () => {
  it("is empty at first", () => {
    expect(new LatencyHistogram().summary()).to.deep.equal({
      count: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      max: 0,
    });
  });

  it("reports a single value exactly", () => {
    for (const ms of [0.001, 0.031, 0.5, 3.3, 1000]) {
      const h = new LatencyHistogram();
      h.record(ms);
      expect(h.quantile(0.5)).to.equal(ms);
    }
  });

  it("keeps quantiles within 3.2 % over a wide range", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100_000; i++) h.record(i / 1000);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = q * 100;
      expect(h.quantile(q)).to.be.within(exact, exact * 1.032);
    }
    expect(h.summary().max).to.equal(100);
    expect(h.summary().mean).to.be.closeTo(50, 0.01);
  });

  it("keeps quantiles ordered and never above the maximum", () => {
    const h = new LatencyHistogram();
    for (const ms of [0.2, 0.3, 0.25, 7, 0.21, 12.5]) h.record(ms);
    const s = h.summary();
    expect(s.p50).to.be.at.most(s.p90);
    expect(s.p90).to.be.at.most(s.p99);
    expect(s.p99).to.be.at.most(s.max);
    expect(s.max).to.equal(12.5);
  });

  it("clamps durations beyond its range into the last bucket", () => {
    const h = new LatencyHistogram();
    h.record(1e12);
    expect(h.count).to.equal(1);
    expect(h.summary().max).to.equal(1e12);
  });

  it("resets", () => {
    const h = new LatencyHistogram();
    h.record(5);
    h.reset();
    expect(h.count).to.equal(0);
  });
});
