import { describe, it } from "node:test";
import { expect } from "chai";
import { SingleFlight } from "../../store/SingleFlight";

/** A promise resolved from outside, to hold a call in flight. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SingleFlight", () => {
  it("shares one call among concurrent callers of a key", async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    let calls = 0;
    const call = () => {
      calls += 1;
      return gate.promise;
    };
    const results = Promise.all([
      flights.run("a", call),
      flights.run("a", call),
      flights.run("a", call),
    ]);
    gate.resolve(7);
    expect(await results).to.deep.equal([7, 7, 7]);
    expect(calls).to.equal(1);
  });

  it("keeps keys apart and holds nothing once calls settle", async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([
      flights.run("a", async () => "A"),
      flights.run("b", async () => "B"),
    ]);
    expect([a, b]).to.deep.equal(["A", "B"]);
    expect(flights.size).to.equal(0);
  });

  it("shares a failure, then lets the next caller try again", async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    const first = flights.run("a", () => gate.promise);
    const joined = flights.run("a", () => Promise.resolve(0));
    gate.reject(new Error("down"));
    for (const p of [first, joined]) {
      try {
        await p;
        expect.fail("should have failed");
      } catch (e) {
        expect((e as Error).message).to.equal("down");
      }
    }
    expect(await flights.run("a", async () => 2)).to.equal(2);
  });

  it("after forget, new callers start a new call while the old one answers its own callers", async () => {
    const flights = new SingleFlight<number>();
    const old = deferred<number>();
    const before = flights.run("a", () => old.promise);
    flights.forget("a");
    const after = flights.run("a", async () => 2);
    old.resolve(1);
    expect([await before, await after]).to.deep.equal([1, 2]);
    expect(flights.size).to.equal(0);
  });
});
