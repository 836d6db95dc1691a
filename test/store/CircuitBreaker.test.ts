import { describe, it } from "node:test";
import { expect } from "chai";
import { type BreakerState, CircuitBreaker } from "../../store/CircuitBreaker";

/** A breaker on a hand-driven clock, recording its transitions. */
function breaker(options = { failureThreshold: 3, openMs: 1000 }) {
  let now = 0;
  const states: BreakerState[] = [];
  const b = new CircuitBreaker(
    options,
    (s) => states.push(s),
    () => now,
  );
  return { b, states, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("opens after the threshold of consecutive failures, not before", () => {
    const { b, states } = breaker();
    b.failure();
    b.failure();
    expect(b.allow()).to.equal(true);
    b.failure();
    expect(b.state).to.equal("open");
    expect(b.allow()).to.equal(false);
    expect(states).to.deep.equal(["open"]);
  });

  it("forgets failures after a success", () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).to.equal("closed");
  });

  it("lets exactly one probe through after openMs, and closes when it succeeds", () => {
    const { b, states, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(999);
    expect(b.allow()).to.equal(false);
    advance(1);
    expect(b.allow()).to.equal(true);
    expect(b.allow(), "a second caller while probing").to.equal(false);
    b.success();
    expect(b.state).to.equal("closed");
    expect(b.allow()).to.equal(true);
    expect(states).to.deep.equal(["open", "half-open", "closed"]);
  });

  it("reopens when the probe fails, for another full openMs", () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(1000);
    expect(b.allow()).to.equal(true);
    b.failure();
    expect(b.state).to.equal("open");
    advance(999);
    expect(b.allow()).to.equal(false);
    advance(1);
    expect(b.allow()).to.equal(true);
  });
});
