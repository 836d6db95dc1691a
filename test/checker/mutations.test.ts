import { describe, it } from "node:test";
import { expect } from "chai";
import {
  type CheckOptions,
  checkHistory,
  type FinalState,
  type Verdict,
  type ViolationKind,
} from "../../checker/checkHistory";
import type { History } from "../../checker/History";
import { ConcurrentUpdateError } from "../../store/errors";
import {
  done,
  EXPIRES,
  healthy,
  ID_A,
  newHistory,
  payloadOf,
  session,
  T0,
  TimedOut,
} from "./fixtures";

// One planted bug per promise the checker makes, in a history merged from two app servers:
// each must be flagged as exactly its anomaly, and each near miss must pass.

const A = { server: "app server A" };
const B = { server: "app server B" };
const v1 = session(1, { cart: [] });
const v2 = session(2, { cart: ["tea"] });
const v3 = session(3, { cart: ["tea", "milk"] });
/** The store's promise: after the cache was cut off, reads catch up within 500 ms of the heal. */
const BOUNDS: CheckOptions = { stalenessMs: { "cut-off-cache": 500 } };

function judge(history: History, final: FinalState, options: CheckOptions = BOUNDS): Verdict {
  return checkHistory(history, final, options);
}

function expectExactly(verdict: Verdict, kind: ViolationKind): void {
  const found = verdict.violations.map((v) => `${v.kind}: ${v.message}`);
  expect(
    verdict.violations.map((v) => v.kind),
    found.join("\n"),
  ).to.deep.equal([kind]);
  const [violation] = verdict.violations;
  expect(violation?.operations.length).to.be.greaterThan(0);
  expect(violation?.excerpt.length).to.be.within(1, 10);
}

function expectNone(verdict: Verdict): void {
  expect(verdict.violations.map((v) => `${v.kind}: ${v.message}`)).to.deep.equal([]);
  expect(verdict.ok).to.equal(true);
}

/** ada creates (v1) and updates (v2) the session through app server A, each acknowledged. */
function writtenOnA() {
  const made = newHistory();
  done(made.history, "ada", "create", ID_A, v1, { data: v1.data, ttlSeconds: 600, ...A });
  done(made.history, "ada", "update", ID_A, v2, { data: v2.data, ...A });
  return made;
}

/** As writtenOnA, with the cache cut off from app server B while ada writes v2. */
function writtenDuringCutOff() {
  const made = newHistory();
  const cutOff = { class: "cut-off-cache", target: "app server B" };
  done(made.history, "ada", "create", ID_A, v1, { data: v1.data, ttlSeconds: 600, ...A });
  made.history.fault("the cache is cut off", "start", cutOff);
  done(made.history, "ada", "update", ID_A, v2, { data: v2.data, ...A });
  made.clock.advance(1_000);
  made.history.fault("the cache is cut off", "heal", cutOff);
  return made;
}

describe("mutations: each planted bug is flagged as exactly its anomaly", () => {
  it("lost write: the acknowledged update is gone from every store after healing", () => {
    const { history } = writtenOnA();
    done(history, "bob", "read", ID_A, v2, B);
    expectExactly(judge(history, { [ID_A]: healthy(v1) }), "lost-write");
  });

  it("stale read beyond the bound: B still serves v1 a second after the cut-off healed", () => {
    const { history, clock } = writtenDuringCutOff();
    clock.advance(1_000);
    done(history, "bob", "read", ID_A, { ...v1, source: "cache" }, B);
    expectExactly(judge(history, { [ID_A]: healthy(v2) }), "stale-read");
  });

  it("stale read within the bound is excused: B serves v1 200 ms after the heal", () => {
    const { history, clock } = writtenDuringCutOff();
    clock.advance(200);
    done(history, "bob", "read", ID_A, { ...v1, source: "cache" }, B);
    const verdict = judge(history, { [ID_A]: healthy(v2) });
    expectNone(verdict);
    expect(verdict.summary.readsExcusedAsStale).to.equal(1);
  });

  it("the same stale read is not excused when the fault's class promises no staleness", () => {
    const { history, clock } = writtenDuringCutOff();
    clock.advance(200);
    done(history, "bob", "read", ID_A, { ...v1, source: "cache" }, B);
    expectExactly(judge(history, { [ID_A]: healthy(v2) }, {}), "stale-read");
  });

  it("refused visible: a write that failed (nothing written) is read by another server", () => {
    const { history } = writtenOnA();
    history
      .invoke("ada", "update", ID_A, { data: v3.data, ...A })
      .fail(new ConcurrentUpdateError(ID_A));
    done(history, "bob", "read", ID_A, v3, B);
    expectExactly(judge(history, { [ID_A]: healthy(v2) }), "refused-visible");
  });

  it("refused visible: a write that failed is what both stores hold after healing", () => {
    const { history } = writtenOnA();
    history
      .invoke("ada", "update", ID_A, { data: v3.data, ...A })
      .fail(new ConcurrentUpdateError(ID_A));
    expectExactly(judge(history, { [ID_A]: healthy(v3) }), "refused-visible");
  });

  it("invented read: B returns data no write carried", () => {
    const { history } = writtenOnA();
    history.invoke("ada", "update", ID_A, { data: v3.data, ...A }).info(new TimedOut());
    done(history, "bob", "read", ID_A, session(3, { cart: ["jam"] }), B);
    expectExactly(judge(history, { [ID_A]: healthy(v2) }), "invented-read");
  });

  it("divergence: the cache and DynamoDB hold the same version with different expiries", () => {
    const { history } = writtenOnA();
    const cache = { version: 2, payload: payloadOf(v2), expiresAt: EXPIRES - 1 };
    expectExactly(judge(history, { [ID_A]: { ...healthy(v2), cache } }), "divergence");
  });

  it("an info write that later appears is not an anomaly, on the other server or at the end", () => {
    const { history } = writtenOnA();
    history.invoke("ada", "update", ID_A, { data: v3.data, ...A }).info(new TimedOut());
    done(history, "bob", "read", ID_A, v2, B);
    done(history, "bob", "read", ID_A, v3, B);
    expectNone(judge(history, { [ID_A]: healthy(v3) }));
    expectNone(judge(history, { [ID_A]: healthy(v2) }));
  });

  it("delete then read by another server: B still returns the deleted session", () => {
    const { history } = writtenOnA();
    done(history, "ada", "delete", ID_A, true, A);
    done(history, "bob", "read", ID_A, v2, B);
    const verdict = judge(history, { [ID_A]: healthy(null) });
    expectExactly(verdict, "stale-read");
    expect(verdict.violations[0]?.message).to.match(/delete had been acknowledged/);
  });

  it("delete then read by another server: B finds nothing, as it must", () => {
    const { history } = writtenOnA();
    done(history, "ada", "delete", ID_A, true, A);
    done(history, "bob", "read", ID_A, null, B);
    expectNone(judge(history, { [ID_A]: healthy(null) }));
  });

  it("read of nothing on B although A's acknowledged version is live", () => {
    const { history } = writtenOnA();
    done(history, "bob", "read", ID_A, null, B);
    expectExactly(judge(history, { [ID_A]: healthy(v2) }), "stale-read");
  });
});

describe("mutations: a re-created id is ordered by createdAt first", () => {
  const again = session(1, { cart: ["new"] }, { createdAt: T0 + 5_000 });

  /** Created (v1, v2) on A, deleted on B, created again on B with a later createdAt. */
  function recreated() {
    const made = writtenOnA();
    done(made.history, "bob", "delete", ID_A, true, B);
    made.clock.advance(5_000);
    done(made.history, "bob", "create", ID_A, again, { data: again.data, ttlSeconds: 600, ...B });
    return made;
  }

  it("the new incarnation (version 1) is newer than the old one's version 2", () => {
    const { history } = recreated();
    done(history, "ada", "read", ID_A, again, A);
    expectNone(judge(history, { [ID_A]: healthy(again) }));
  });

  it("lost write: the old incarnation's version 2 survives the re-create", () => {
    const { history } = recreated();
    expectExactly(judge(history, { [ID_A]: healthy(v2) }), "lost-write");
  });

  it("stale read: A returns the old incarnation after the re-create was acknowledged", () => {
    const { history } = recreated();
    done(history, "ada", "read", ID_A, v2, A);
    expectExactly(judge(history, { [ID_A]: healthy(again) }), "stale-read");
  });
});

describe("mutations: a tie at equal version goes to the greater payload (last writer wins)", () => {
  const left = session(3, { cart: ["tea", "apple"] });
  const right = session(3, { cart: ["tea", "pear"] });
  const [lesser, greater] = payloadOf(left) < payloadOf(right) ? [left, right] : [right, left];

  /** During a partition, A and B each update v2 and each is acknowledged version 3. */
  function splitBrain() {
    const made = writtenOnA();
    const partition = { class: "partition", target: "all" };
    made.history.fault("the servers are partitioned", "start", partition);
    const onA = made.history.invoke("ada", "update", ID_A, { data: left.data, ...A });
    const onB = made.history.invoke("bob", "update", ID_A, { data: right.data, ...B });
    onA.ok(left);
    onB.ok(right);
    made.history.fault("the servers are partitioned", "heal", partition);
    return made;
  }

  it("the greater payload survives: not a lost write", () => {
    const { history } = splitBrain();
    done(history, "cy", "read", ID_A, greater, A);
    expectNone(judge(history, { [ID_A]: healthy(greater) }));
  });

  it("lost write: the lesser payload survives", () => {
    const { history } = splitBrain();
    expectExactly(judge(history, { [ID_A]: healthy(lesser) }), "lost-write");
  });
});
