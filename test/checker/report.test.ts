import { describe, it } from "node:test";
import { expect } from "chai";
import { checkHistory } from "../../checker/checkHistory";
import { renderTimeline, renderVerdict } from "../../checker/report";
import {
  done,
  EXPIRES,
  healthy,
  ID_A,
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

  it("names each violation kind and shows its excerpt as a table", () => {
    const { history } = newHistory();
    history.fault("the cache is unreachable", "start");
    done(history, "ada", "create", undefined, v1, { data: v1.data, ttlSeconds: 600 });
    done(history, "ada", "update", ID_A, v2, { data: v2.data });
    done(history, "ada", "read", ID_A, { ...v1, source: "cache" });
    done(history, "bob", "read", ID_A, session(7, v2.data));
    history.invoke("bob", "delete", ID_A).fail(new Unavailable());
    const final = {
      ...healthy(v1),
      cache: { version: 1, payload: payloadOf(v1), expiresAt: EXPIRES + 5 },
    };
    const verdict = checkHistory(history, { [ID_A]: final });
    const text = renderVerdict(verdict);
    const lines = text.split("\n");
    expect(lines[0]).to.match(
      /^FAIL: 4 violation\(s\) \(lost-write 1, stale-read 1, invented-read 1, ttl-parity 1\)/,
    );
    for (const kind of ["lost-write", "stale-read", "invented-read", "ttl-parity"]) {
      expect(text).to.include(`. ${kind} in session ${ID_A}: `);
    }
    for (const v of verdict.violations) expect(text).to.include(v.message);
    expect(text).to.match(/event\s+t \(ms\)\s+user\s+op\s+phase\s+version\s+note/);
    expect(text).to.match(
      /\* +#6 +\+60 +ada +read +ok +1 +data \{"cart":\[\]\}, expires \d+ s, from cache/,
    );
    expect(text).to.match(
      /#10 +\+100 +bob +delete +fail +STORE_UNAVAILABLE: DynamoDB did not answer/,
    );
    expect(text).to.match(/#0 +\+0 +fault +start +the cache is unreachable/);
    expect(text).to.include('data {"cart":["tea"]}');
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
      /from +to +invoked +ok +failed +read:cache +read:dynamodb +read:none +faults/,
    );
    expect(table.slice(1).map((row) => row.trim().split(/ +/).slice(4))).to.deep.equal([
      ["2", "2", "0", "1", "0", "0"],
      ["2", "1", "1", "0", "1", "0", "A"],
      ["1", "1", "0", "0", "0", "1", "A", "B"],
    ]);
  });

  it("says so when nothing was recorded", () => {
    const { history } = newHistory();
    expect(renderTimeline(history)).to.equal("Timeline: no events recorded");
  });
});
