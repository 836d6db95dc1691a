import { describe, it } from "node:test";
import { expect } from "chai";
import { checkHistory } from "../../checker/checkHistory";
import { simulatedCampaign } from "./campaign";
import { healthy, session } from "./fixtures";

// A two-minute campaign records 20-50k operations over ~200 sessions; the check must keep up.
const CAMPAIGN = { seed: 7, operations: 50_000, sessions: 200, servers: 4, concurrency: 8 };

describe("checkHistory on a campaign-sized history", () => {
  // A generous deadline only: the figure is reported as a diagnostic, not asserted.
  const deadline = { timeout: 30_000 };

  it(
    "judges 50k operations from 4 servers over 200 sessions, and passes a correct store",
    deadline,
    (t) => {
      const { history, final } = simulatedCampaign(CAMPAIGN);
      const started = performance.now();
      const verdict = checkHistory(history, final);
      const ms = performance.now() - started;
      t.diagnostic(`checked ${verdict.summary.operations} operations in ${ms.toFixed(0)} ms`);
      expect(verdict.violations.slice(0, 3).map((v) => v.message)).to.deep.equal([]);
      expect(verdict.summary.operations).to.equal(50_000);
      expect(verdict.summary.info).to.be.greaterThan(100);
      expect(Object.keys(verdict.summary.servers)).to.have.length(4);
    },
  );

  it("still finds the one planted lost write among them", () => {
    const { history, final } = simulatedCampaign(CAMPAIGN);
    const [id, observed] = [...final].find(([, o]) => o.read && o.read.version > 1) ?? [];
    if (!id || !observed?.read)
      throw new Error("the campaign left no session of version 2 or more");
    const { read } = observed;
    const older = session(read.version - 1, read.data, { id, createdAt: read.createdAt });
    final.set(id, healthy({ ...older, expiresAt: read.expiresAt }));
    const verdict = checkHistory(history, final);
    expect(verdict.violations.map((v) => `${v.kind} ${v.sessionId}`)).to.deep.equal([
      `lost-write ${id}`,
    ]);
  });
});
