import { describe, it } from "node:test";
import { expect } from "chai";
import { History, promisesNothingWritten } from "../../checker/History";
import {
  ConcurrentUpdateError,
  InvalidTtlError,
  OutcomeUnknownError,
  SessionExistsError,
  SessionNotFoundError,
  StoreUnavailableError,
} from "../../store/errors";
import { decodePayload, encodeRecord } from "../../store/SessionRecord";
import { ID_A, newHistory, payloadOf, session, T0, TimedOut, Unavailable } from "./fixtures";

describe("History", () => {
  it("records invoke and ok with index, time, user, op and what the store returned", () => {
    const { history } = newHistory();
    history.invoke("ada", "read", ID_A).ok(session(3, { a: 1 }, { source: "cache" }));
    expect(history.events).to.deep.equal([
      {
        type: "op",
        index: 0,
        at: T0,
        opId: 0,
        user: "ada",
        op: "read",
        sessionId: ID_A,
        phase: "invoke",
        input: {},
      },
      {
        type: "op",
        index: 1,
        at: T0 + 10,
        opId: 0,
        user: "ada",
        op: "read",
        sessionId: ID_A,
        phase: "ok",
        result: {
          kind: "session",
          session: {
            version: 3,
            createdAt: T0,
            dataJson: '{"a":1}',
            expiresAt: 1_700_000_600,
            payload: payloadOf(session(3, { a: 1 })),
            source: "cache",
          },
        },
      },
    ]);
  });

  it("gives a create its id when it completes, on the invoke event too", () => {
    const { history } = newHistory();
    const handle = history.invoke("ada", "create", undefined, { data: [], ttlSeconds: 60 });
    expect(history.events[0]).to.include({ sessionId: undefined });
    handle.ok(session(1, []));
    expect(history.events.map((e) => e.type === "op" && e.sessionId)).to.deep.equal([ID_A, ID_A]);
    expect(history.sessionIds()).to.deep.equal([ID_A]);
  });

  it("freezes the input data, so a caller reusing the object cannot rewrite history", () => {
    const { history } = newHistory();
    const data = { n: 1 };
    history.invoke("ada", "update", ID_A, { data });
    data.n = 2;
    expect(history.events[0]).to.deep.include({ input: { dataJson: '{"n":1}' } });
  });

  it("records a store error by its code and any other error by its name", () => {
    const { history } = newHistory();
    history.invoke("ada", "update", ID_A, { data: 1 }).fail(new SessionNotFoundError(ID_A));
    history.invoke("ada", "update", ID_A, { data: 1 }).fail(new Unavailable());
    history.invoke("ada", "read", ID_A).fail(new TypeError("boom"));
    history.invoke("ada", "read", ID_A).fail("a string");
    const errors = history.events.flatMap((e) =>
      e.type === "op" && e.phase === "fail" ? [e] : [],
    );
    expect(errors.map((e) => e.error)).to.deep.equal([
      "SESSION_NOT_FOUND",
      "STORE_UNAVAILABLE",
      "TypeError",
      "string",
    ]);
    expect(errors[2]?.message).to.equal("boom");
  });

  it("records delete's boolean and a read of nothing", () => {
    const { history } = newHistory();
    history.invoke("ada", "delete", ID_A).ok(false);
    history.invoke("ada", "read", ID_A).ok(null);
    const results = history.events.flatMap((e) => (e.type === "op" && e.phase === "ok" ? [e] : []));
    expect(results.map((e) => e.result)).to.deep.equal([
      { kind: "deleted", removed: false },
      { kind: "none" },
    ]);
  });

  it("refuses a second completion and a result of the wrong shape", () => {
    const { history } = newHistory();
    const read = history.invoke("ada", "read", ID_A);
    read.ok(null);
    expect(() => read.fail(new Error("late"))).to.throw(/completed twice/);
    expect(() => history.invoke("ada", "delete", ID_A).ok(null)).to.throw(TypeError);
    expect(() => history.invoke("ada", "update", ID_A).ok(null)).to.throw(TypeError);
    expect(() => history.invoke("ada", "read", ID_A).ok(true)).to.throw(TypeError);
  });

  it("records faults in sequence with operations", () => {
    const { history } = newHistory();
    history.fault("the cache is unreachable", "start");
    history.invoke("ada", "read", ID_A);
    history.fault("the cache is unreachable", "heal");
    expect(history.events.map((e) => (e.type === "fault" ? e.action : e.phase))).to.deep.equal([
      "start",
      "invoke",
      "heal",
    ]);
    expect(history.events[2]).to.include({
      index: 2,
      at: T0 + 20,
      name: "the cache is unreachable",
    });
  });

  it("perform records the outcome and passes it on, error included", async () => {
    const { history } = newHistory();
    const read = await history.perform("ada", "read", ID_A, {}, async () => null);
    expect(read).to.equal(null);
    const failing = history.perform("ada", "delete", ID_A, {}, async () => {
      throw new Unavailable();
    });
    let thrown: unknown;
    await failing.catch((error: unknown) => {
      thrown = error;
    });
    expect(thrown).to.be.instanceOf(Unavailable);
    expect(history.events.map((e) => e.type === "op" && e.phase)).to.deep.equal([
      "invoke",
      "ok",
      "invoke",
      "info",
    ]);
  });

  it("perform records fail only for errors that promise nothing was written, else info", async () => {
    const { history } = newHistory();
    const errors = [
      new SessionNotFoundError(ID_A),
      new StoreUnavailableError("dynamodb", "no answer"),
      new TimedOut(),
    ];
    for (const error of errors) {
      await history
        .perform("ada", "update", ID_A, { data: 1 }, async () => {
          throw error;
        })
        .catch(() => undefined);
    }
    const phases = history.events.flatMap((e) =>
      e.type === "op" && e.phase !== "invoke" ? [e.phase] : [],
    );
    // The store answers OUTCOME_UNKNOWN, never STORE_UNAVAILABLE, when a write may have landed.
    expect(phases).to.deep.equal(["fail", "fail", "info"]);
  });

  it("promises nothing written for refused input, absent or existing sessions, given-up writes", () => {
    expect(
      [
        new InvalidTtlError("ttl"),
        new SessionNotFoundError(ID_A),
        new SessionExistsError(ID_A),
        new ConcurrentUpdateError(ID_A),
        new StoreUnavailableError("both", "down"),
      ].map(promisesNothingWritten),
    ).to.deep.equal([true, true, true, true, true]);
    expect(
      [
        new OutcomeUnknownError("maybe"),
        new TimedOut(),
        "a string",
        { code: "SESSION_EXISTS" },
      ].map(promisesNothingWritten),
    ).to.deep.equal([false, false, false, false]);
  });

  it("records info (maybe applied) and the server that handled each event", () => {
    const { history } = newHistory();
    history.invoke("ada", "update", ID_A, { data: 1, server: "app server A" }).info(new TimedOut());
    expect(history.events.map((e) => e.type === "op" && [e.server, e.phase])).to.deep.equal([
      ["app server A", "invoke"],
      ["app server A", "info"],
    ]);
    expect(history.events[1]).to.include({
      error: "TimeoutError",
      message: "no answer within 250 ms",
    });
    expect(() => history.invoke("ada", "read", ID_A).info(1)).not.to.throw();
  });

  it("records a fault's class and target; without a class, a fault is its own class", () => {
    const { history } = newHistory();
    history.fault("the cache is cut off", "start", {
      class: "cut-off-cache",
      target: "app server A",
    });
    history.fault("the cache is unreachable", "start");
    expect(history.events[0]).to.include({ class: "cut-off-cache", target: "app server A" });
    expect(history.events[1]).to.include({ class: "the cache is unreachable" });
    expect(history.events[1]).not.to.have.property("target");
  });

  it("re-encodes a returned session into exactly the bytes the store holds", () => {
    const data = { "10": "ten", b: [1.5, -0, 1e21, 'é\u2028"q'], a: { "2": null, z: true } };
    const fields = {
      id: ID_A,
      version: 4,
      createdAt: T0,
      updatedAt: T0 + 5,
      expiresAt: 1_700_000_600,
    };
    const stored = encodeRecord(fields, JSON.parse(JSON.stringify(data))).payload;
    const { history } = newHistory();
    history.invoke("ada", "read", ID_A).ok(decodePayload(stored, "cache"));
    const ok = history.events[1];
    expect(
      ok?.type === "op" &&
        ok.phase === "ok" &&
        ok.result.kind === "session" &&
        ok.result.session.payload,
    ).to.equal(stored);
  });

  it("uses the wall clock by default, so expiries in epoch seconds compare with it", () => {
    const before = Date.now();
    const history = new History();
    history.fault("x", "start");
    const at = history.events[0]?.at ?? 0;
    expect(at).to.be.within(before, Date.now());
  });
});
