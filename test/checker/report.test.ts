import { describe, it } from "node:test";
import { expect } from "chai";
import { checkHistory } from "../../checker/checkHistory";
import { renderCompactSummary, renderTimeline, renderVerdict } from "../../checker/report";
import {
  done,
  EXPIRES,
  healthy,
  ID_A,
  ID_B,
  newHistory,
  payloadOf,
  session,
  Unavailable,
} from "./fixtures";

const v1 = session(1, { cart: [] });
const v2 = session(2, { cart: ["tea"] });

describe("renderVerdict", () => {
  it("says PASS in one line when there is no violation", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    const text = renderVerdict(checkHistory(history, { [ID_A]: healthy(v1) }));
    expect(text).to.match(/^PASS: no violation in 1 operations on 1 sessions \(1 ok/);
    expect(text.split("\n")).to.have.length(1);
  });

  it("names each violation kind and shows its excerpt as a table, with server and fault target", () => {
    const { history } = newHistory();
    history.fault("the cache is cut off", "start", {
      class: "cut-off-cache",
      target: "app server A",
    });
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600, server: "A" });
    done(history, "ada", "update", ID_A, v2, { data: v2.data, server: "A" });
    done(history, "ada", "read", ID_A, { ...v1, source: "cache" }, { server: "B" });
    done(history, "bob", "read", ID_A, session(7, v2.data), { server: "B" });
    history.invoke("bob", "update", ID_A, { data: 1, server: "B" }).info(new Unavailable());
    const vB = session(1, { cart: [] }, { id: ID_B });
    done(history, "cy", "create", undefined, vB, { data: vB.data, ttlSeconds: 600 });
    const divergent = {
      ...healthy(vB),
      cache: { version: 1, payload: payloadOf(vB), expiresAt: EXPIRES + 5 },
    };
    const verdict = checkHistory(history, { [ID_A]: healthy(v1), [ID_B]: divergent });
    const text = renderVerdict(verdict);
    const lines = text.split("\n");
    expect(lines[0]).to.match(
      /^FAIL: 4 violation\(s\) \(lost-write 1, stale-read 1, invented-read 1, divergence 1\) in 6 operations on 2 sessions \(5 ok, 0 failed, 1 info, 0 pending/,
    );
    for (const kind of ["lost-write", "stale-read", "invented-read"]) {
      expect(text).to.include(`. ${kind} in session ${ID_A}: `);
    }
    expect(text).to.include(`. divergence in session ${ID_B}: `);
    for (const v of verdict.violations) expect(text).to.include(v.message);
    expect(text).to.match(/event\s+t \(ms\)\s+server\s+user\s+op\s+phase\s+version\s+note/);
    expect(text).to.match(
      /\* +#6 +\+60 +B +ada +read +ok +1 +data \{"cart":\[\]\}, expires \d+ s, from cache, created \+0/,
    );
    expect(text).to.match(
      /#0 +\+0 +app server A +fault +start +the cache is cut off \[cut-off-cache\]/,
    );
    expect(text).to.include('data {"cart":["tea"]}');
  });

  it("summarises the verdict for a machine: anomaly counts, outcomes, operations per server", () => {
    const { history } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600, server: "A" });
    done(history, "ada", "read", ID_A, v1, { server: "B" });
    history.invoke("ada", "update", ID_A, { data: 1, server: "B" }).info(new Unavailable());
    history.invoke("ada", "update", ID_A, { data: 2, server: "A" }).fail(new Unavailable());
    const verdict = checkHistory(history, { [ID_A]: healthy(session(2, 2)) });
    expect(JSON.parse(renderCompactSummary(verdict))).to.deep.equal({
      ok: false,
      anomalies: { "refused-visible": 1 },
      outcomes: { ok: 2, fail: 1, info: 1, pending: 0 },
      servers: { A: 2, B: 2 },
      sessions: 1,
      faults: 0,
      readsExcusedAsStale: 0,
    });
  });
});

describe("renderTimeline", () => {
  it("lists each fault's start and heal relative to the first event, and slices of the run", () => {
    const { history, clock } = newHistory();
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    done(history, "ada", "read", ID_A, { ...v1, source: "cache" });
    clock.advance(1_000);
    history.fault("the cache is unreachable", "start");
    done(history, "ada", "read", ID_A, v1);
    history.invoke("ada", "update", ID_A, { data: 1 }).fail(new Unavailable());
    clock.advance(1_000);
    history.fault("the cache is unreachable", "heal");
    history.fault("DynamoDB is unreachable", "start");
    clock.advance(1_000);
    done(history, "ada", "read", ID_A, null);
    const text = renderTimeline(history, { buckets: 3 });
    const lines = text.split("\n");
    expect(lines[0]).to.match(/^Timeline: 5 operations over 3\.\d\d s/);
    expect(text).to.match(/A +\+1\.04 s +start +the cache is unreachable/);
    expect(text).to.match(/A +\+2\.09 s +heal +the cache is unreachable/);
    expect(text).to.match(/B +\+2\.10 s +start +DynamoDB is unreachable/);
    const table = lines.slice(lines.indexOf("Operations:") + 1);
    expect(table[0]).to.match(
      /from +to +invoked +ok +failed +info +read:cache +read:dynamodb +read:none +faults/,
    );
    expect(table.slice(1).map((row) => row.trim().split(/ +/).slice(4))).to.deep.equal([
      ["2", "2", "0", "0", "1", "0", "0"],
      ["2", "1", "1", "0", "0", "1", "0", "A"],
      ["1", "1", "0", "0", "0", "0", "1", "A", "B"],
    ]);
  });

  it("says so when nothing was recorded", () => {
    const { history } = newHistory();
    expect(renderTimeline(history)).to.equal("Timeline: no events recorded");
  });
});
