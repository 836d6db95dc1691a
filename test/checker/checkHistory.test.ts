import { describe, it } from "node:test";
import { expect } from "chai";
import {
  checkHistory,
  type FinalObservation,
  type Verdict,
  type ViolationKind,
} from "../../checker/checkHistory";
import {
  done,
  EXPIRES,
  healthy,
  ID_A,
  ID_B,
  newHistory,
  payloadOf,
  session,
  T0,
  TimedOut,
  Unavailable,
} from "./fixtures";

const v1 = session(1, { cart: [] });
const v2 = session(2, { cart: ["tea"] });
const v3 = session(3, { cart: ["tea", "milk"] });

function kinds(verdict: Verdict): ViolationKind[] {
  return verdict.violations.map((v) => v.kind);
}

function expectOnly(verdict: Verdict, kind: ViolationKind): void {
  expect(kinds(verdict), verdict.violations.map((v) => v.message).join("\n")).to.deep.equal([kind]);
  expect(verdict.ok).to.equal(false);
  const [violation] = verdict.violations;
  expect(violation?.sessionId).to.equal(ID_A);
  expect(violation?.excerpt.length).to.be.within(1, 12);
}

function expectPass(verdict: Verdict): void {
  expect(verdict.violations.map((v) => v.message)).to.deep.equal([]);
  expect(verdict.ok).to.equal(true);
}

/** ada creates the session (v1) and updates it (v2), each acknowledged. */
function createdAndUpdated() {
  const made = newHistory();
  done(made.history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
  done(made.history, "ada", "update", ID_A, v2, { data: v2.data });
  return made;
}

describe("checkHistory: histories that must fail", () => {
  it("lost update: the final read is older than an acknowledged update", () => {
    const { history } = createdAndUpdated();
    const verdict = checkHistory(history, { [ID_A]: healthy(v1) });
    expectOnly(verdict, "lost-write");
    expect(verdict.violations[0]?.message).to.match(/version 1, older than version 2/);
  });

  it("lost create: an acknowledged create is gone at the end", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    expectOnly(checkHistory(history, { [ID_A]: healthy(null) }), "lost-write");
  });

  it("lost data: the final read has the acknowledged version with other data", () => {
    const { history } = createdAndUpdated();
    const other = session(2, { cart: ["coffee"] });
    expectOnly(checkHistory(history, { [ID_A]: healthy(other) }), "lost-write");
  });

  it("lost delete: an acknowledged delete after the last write, yet the session is readable", () => {
    const { history } = createdAndUpdated();
    done(history, "bob", "delete", ID_A, true);
    const verdict = checkHistory(history, { [ID_A]: healthy(v2) });
    expectOnly(verdict, "lost-write");
    expect(verdict.violations[0]?.message).to.match(/delete was acknowledged/);
  });

  it("stale read: a read after the user's own acknowledged update returns the older version", () => {
    const { history } = createdAndUpdated();
    done(history, "ada", "read", ID_A, { ...v1, source: "cache" });
    const verdict = checkHistory(history, { [ID_A]: healthy(v2) });
    expectOnly(verdict, "stale-read");
    expect(verdict.violations[0]?.message).to.match(/returned version 1 from the cache/);
  });

  it("stale read: another user's read is held to ada's acknowledgement (the rule is global)", () => {
    const { history } = createdAndUpdated();
    done(history, "bob", "read", ID_A, { ...v1, source: "cache" });
    expectOnly(checkHistory(history, { [ID_A]: healthy(v2) }), "stale-read");
  });

  it("stale read: a read after the user's own acknowledged write finds nothing", () => {
    const { history } = createdAndUpdated();
    done(history, "ada", "read", ID_A, null);
    expectOnly(checkHistory(history, { [ID_A]: healthy(v2) }), "stale-read");
  });

  it("stale read: a read after the user's acknowledged delete still returns the session", () => {
    const { history } = createdAndUpdated();
    done(history, "ada", "delete", ID_A, true);
    done(history, "ada", "read", ID_A, v2);
    const verdict = checkHistory(history, { [ID_A]: healthy(null) });
    expectOnly(verdict, "stale-read");
    expect(verdict.violations[0]?.message).to.match(/delete had been acknowledged/);
  });

  it("invented read: a version no write could have produced", () => {
    const { history } = createdAndUpdated();
    done(history, "bob", "read", ID_A, session(5, v2.data));
    const verdict = checkHistory(history, { [ID_A]: healthy(v2) });
    expectOnly(verdict, "invented-read");
    expect(verdict.violations[0]?.message).to.match(/only 2 write/);
  });

  it("invented read: an unacknowledged version with data no write carried", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "update", ID_A, { data: { cart: ["jam"] } }).info(new TimedOut());
    done(history, "bob", "read", ID_A, session(3, { cart: ["honey"] }));
    expectOnly(checkHistory(history, { [ID_A]: healthy(v2) }), "invented-read");
  });

  it("invented read: an acknowledged version returned with other data", () => {
    const { history } = createdAndUpdated();
    done(history, "bob", "read", ID_A, session(2, { cart: ["coffee"] }));
    expectOnly(checkHistory(history, { [ID_A]: healthy(v2) }), "invented-read");
  });

  it("invented read: the final read is newer than any write that was invoked", () => {
    const { history } = createdAndUpdated();
    expectOnly(checkHistory(history, { [ID_A]: healthy(v3) }), "invented-read");
  });

  it("invented read: a version returned before the write that produced it was invoked", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    done(history, "bob", "read", ID_A, v2);
    done(history, "ada", "update", ID_A, v2, { data: v2.data });
    expectOnly(checkHistory(history, { [ID_A]: healthy(v2) }), "invented-read");
  });

  it("divergence: the cache and DynamoDB disagree on the expiry", () => {
    const { history } = createdAndUpdated();
    const final = healthy(v2);
    const cache = { version: 2, payload: payloadOf(v2), expiresAt: EXPIRES + 1 };
    const verdict = checkHistory(history, { [ID_A]: { ...final, cache } });
    expectOnly(verdict, "divergence");
    expect(verdict.violations[0]?.message).to.match(/cache expires/);
  });

  it("divergence: the cache holds a later version (from an info write) than DynamoDB", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "update", ID_A, { data: v3.data }).info(new TimedOut());
    const cache = { version: 3, payload: payloadOf(v3), expiresAt: EXPIRES };
    const verdict = checkHistory(history, { [ID_A]: { ...healthy(v2), cache } });
    expectOnly(verdict, "divergence");
    expect(verdict.violations[0]?.message).to.match(/payloads differ/);
  });

  it("lost write: the cache holds an older version than the acknowledged one", () => {
    const { history } = createdAndUpdated();
    const cache = { version: 1, payload: payloadOf(v1), expiresAt: EXPIRES };
    const verdict = checkHistory(history, { [ID_A]: { ...healthy(v2), cache } });
    expectOnly(verdict, "lost-write");
    expect(verdict.violations[0]?.message).to.match(/the cache holds version 1, older/i);
  });

  it("divergence: the final read's expiry differs from both stores", () => {
    const { history } = newHistory();
    const touched = session(2, v1.data, { expiresAt: EXPIRES + 300 });
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    history.invoke("ada", "touch", ID_A, { ttlSeconds: 900 }).info(new TimedOut());
    const final: FinalObservation = { ...healthy(v1), read: touched };
    // Version 2 is a plausible effect of the touch that timed out, so only divergence objects.
    const verdict = checkHistory(history, { [ID_A]: final });
    expectOnly(verdict, "divergence");
    expect(verdict.violations[0]?.message).to.match(/final read says/);
  });

  it("lost write: DynamoDB lost the acknowledged version although the cache still serves it", () => {
    const { history } = createdAndUpdated();
    const verdict = checkHistory(history, { [ID_A]: { ...healthy(v2), durable: null } });
    expectOnly(verdict, "lost-write");
    expect(verdict.violations[0]?.message).to.match(/DynamoDB found no session/);
  });

  it("divergence: a session only an info create made is served but DynamoDB holds nothing", () => {
    const { history } = newHistory();
    history.invoke("ada", "create", ID_A, { data: v1.data }).info(new TimedOut());
    const verdict = checkHistory(history, { [ID_A]: { ...healthy(v1), durable: null } });
    expectOnly(verdict, "divergence");
    expect(verdict.violations[0]?.message).to.match(/DynamoDB holds no item/);
  });

  it("every violation carries an excerpt that includes the events it is about", () => {
    const { history } = createdAndUpdated();
    done(history, "ada", "read", ID_A, v1);
    const [violation] = checkHistory(history, { [ID_A]: healthy(v2) }).violations;
    const indexes = violation?.excerpt.map((e) => e.index) ?? [];
    expect(violation?.focus.every((i) => indexes.includes(i))).to.equal(true);
  });

  it("keeps an excerpt to the operations involved and the faults in force then", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    history.fault("DynamoDB is slow", "start");
    history.fault("DynamoDB is slow", "heal");
    for (let i = 0; i < 30; i++) done(history, "ada", "read", ID_A, v1);
    history.fault("the cache is unreachable", "start");
    done(history, "ada", "update", ID_A, v2, { data: v2.data });
    for (let i = 0; i < 30; i++) done(history, "ada", "read", ID_A, v2);
    done(history, "bob", "read", ID_A, v1);
    history.fault("the cache is unreachable", "heal");
    const verdict = checkHistory(history, { [ID_A]: healthy(v2) });
    const [violation] = verdict.violations;
    expect(violation?.kind).to.equal("stale-read");
    const shown = (violation?.excerpt ?? []).map((e) =>
      e.type === "fault" ? `${e.action} ${e.name}` : `${e.user} ${e.op} ${e.phase}`,
    );
    expect(shown).to.deep.equal([
      "start the cache is unreachable",
      "ada update invoke",
      "ada update ok",
      "bob read invoke",
      "bob read ok",
      "heal the cache is unreachable",
    ]);
    expect(violation?.operations.map((o) => o.op)).to.deep.equal(["update", "read"]);
  });
});

describe("checkHistory: histories that must pass", () => {
  it("a read concurrent with an update (invoked before its ack) may return the older version", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    const update = history.invoke("ada", "update", ID_A, { data: v2.data });
    const read = history.invoke("ada", "read", ID_A);
    update.ok(v2);
    read.ok(v1);
    expectPass(checkHistory(history, { [ID_A]: healthy(v2) }));
  });

  it("an update that timed out (info) and did take effect", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "update", ID_A, { data: v3.data }).info(new TimedOut());
    done(history, "bob", "read", ID_A, v3);
    expectPass(checkHistory(history, { [ID_A]: healthy(v3) }));
  });

  it("a failed update that did not take effect", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "update", ID_A, { data: v3.data }).fail(new Unavailable());
    done(history, "ada", "read", ID_A, v2);
    expectPass(checkHistory(history, { [ID_A]: healthy(v2) }));
  });

  it("an update that never completed may have taken effect", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "update", ID_A, { data: v3.data });
    expectPass(checkHistory(history, { [ID_A]: healthy(v3) }));
  });

  it("a touch that timed out and took effect with the data the session had", () => {
    const { history } = createdAndUpdated();
    history.invoke("ada", "touch", ID_A, { ttlSeconds: 900 }).info(new TimedOut());
    expectPass(
      checkHistory(history, { [ID_A]: healthy(session(3, v2.data, { expiresAt: EXPIRES + 300 })) }),
    );
  });

  for (const [name, final] of [
    ["happened", null],
    ["did not happen", v2],
  ] as const) {
    it(`a delete that timed out and ${name}`, () => {
      const { history } = createdAndUpdated();
      history.invoke("ada", "delete", ID_A).info(new TimedOut());
      expectPass(checkHistory(history, { [ID_A]: healthy(final) }));
    });
  }

  it("a delete concurrent with the last write may have removed it", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    const update = history.invoke("ada", "update", ID_A, { data: v2.data });
    const remove = history.invoke("bob", "delete", ID_A);
    remove.ok(true);
    update.ok(v2);
    expectPass(checkHistory(history, { [ID_A]: healthy(null) }));
  });

  it("a read may find nothing once another user's delete has been invoked", () => {
    const { history } = createdAndUpdated();
    const remove = history.invoke("bob", "delete", ID_A);
    done(history, "ada", "read", ID_A, null);
    remove.info(new TimedOut());
    expectPass(checkHistory(history, { [ID_A]: healthy(null) }));
  });

  it("a session that expired before the final read may be gone", () => {
    const { history, clock } = newHistory();
    const short = session(1, v1.data, { expiresAt: T0 / 1000 + 60 });
    done(history, "ada", "create", undefined, short, { data: v1.data, ttlSeconds: 60 });
    done(history, "ada", "read", ID_A, short);
    clock.advance(60_000);
    done(history, "ada", "read", ID_A, null);
    expectPass(checkHistory(history, { [ID_A]: healthy(null, T0 + 61_000) }));
  });

  it("a session still live at the final read may not be gone", () => {
    const { history } = newHistory();
    const short = session(1, v1.data, { expiresAt: T0 / 1000 + 60 });
    done(history, "ada", "create", undefined, short, { data: v1.data, ttlSeconds: 60 });
    const verdict = checkHistory(history, { [ID_A]: healthy(null, T0 + 59_999) });
    expectOnly(verdict, "lost-write");
  });

  it("a touch that failed with a short TTL may have let the session expire early", () => {
    const { history, clock } = createdAndUpdated();
    history.invoke("ada", "touch", ID_A, { ttlSeconds: 5 }).info(new TimedOut());
    clock.advance(10_000);
    done(history, "ada", "read", ID_A, null);
    expectPass(checkHistory(history, { [ID_A]: healthy(null, T0 + 20_000) }));
  });

  it("sessions nobody acknowledged a write of may be in any producible state", () => {
    const { history } = newHistory();
    history.invoke("ada", "create", ID_A, { data: v1.data }).info(new TimedOut());
    expectPass(checkHistory(history, { [ID_A]: healthy(v1) }));
    expectPass(checkHistory(history, { [ID_A]: healthy(null) }));
  });

  it("many users on distinct sessions, with a fault that comes and goes", () => {
    const { history } = newHistory();
    const final = new Map<string, FinalObservation>();
    history.fault("the cache is unreachable", "start");
    for (let u = 0; u < 50; u++) {
      const id = `user${String(u).padStart(2, "0")}`.padEnd(24, "x");
      const user = `u${u}`;
      const s1 = session(1, { u }, { id });
      const s2 = session(2, { u, step: 2 }, { id, source: "cache" });
      done(history, user, "create", undefined, s1, { data: s1.data, ttlSeconds: 600 });
      done(history, user, "read", id, s1);
      done(history, user, "update", id, s2, { data: s2.data });
      done(history, user, "read", id, s2);
      if (u % 10 === 0) history.invoke(user, "update", id, { data: 0 }).fail(new Unavailable());
      final.set(id, healthy(s2));
    }
    history.fault("the cache is unreachable", "heal");
    const verdict = checkHistory(history, final);
    expectPass(verdict);
    expect(verdict.summary).to.include({
      sessions: 50,
      operations: 205,
      ok: 200,
      failed: 5,
      info: 0,
      pending: 0,
      reads: 100,
      readsFromCache: 50,
      readsFromDynamoDb: 50,
      readsOfNothing: 0,
      faults: 1,
      startedAt: T0,
    });
  });
});

describe("checkHistory: inputs", () => {
  it("insists on a final observation of every session the history mentions", () => {
    const { history } = createdAndUpdated();
    done(history, "bob", "read", ID_B, null);
    expect(() => checkHistory(history, { [ID_A]: healthy(v2) })).to.throw(ID_B);
  });

  it("accepts the final state as a Map as well as a record", () => {
    const { history } = createdAndUpdated();
    expectOnly(checkHistory(history, new Map([[ID_A, healthy(v1)]])), "lost-write");
  });

  it("judges observed sessions the history never mentions: never written, so invented", () => {
    const { history } = newHistory();
    const final = { ...healthy(v1), cache: { version: 1, payload: "{}", expiresAt: EXPIRES } };
    const verdict = checkHistory(history, { [ID_A]: final });
    expect(kinds(verdict)).to.deep.equal(["invented-read"]);
    expect(verdict.violations[0]?.message).to.match(/the final read and DynamoDB returned/);
  });
});
