import { describe, it } from "node:test";
import { expect } from "chai";
import { countScenarios, summaryLine } from "../../lab/featureResults";

const lines = (...messages: object[]) => messages.map((m) => JSON.stringify(m)).join("\n");
const testCase = (id: string, pickleId: string) => ({ testCase: { id, pickleId } });
const started = (id: string, testCaseId: string) => ({ testCaseStarted: { id, testCaseId } });
const step = (testCaseStartedId: string, status: string) => ({
  testStepFinished: { testCaseStartedId, testStepResult: { status } },
});
const finished = (testCaseStartedId: string, willBeRetried = false) => ({
  testCaseFinished: { testCaseStartedId, willBeRetried },
});

describe("countScenarios", () => {
  it("counts passed, failed and skipped scenarios by their steps", () => {
    const ndjson = lines(
      testCase("c1", "p1"),
      testCase("c2", "p2"),
      testCase("c3", "p3"),
      started("s1", "c1"),
      step("s1", "PASSED"),
      step("s1", "PASSED"),
      finished("s1"),
      started("s2", "c2"),
      step("s2", "PASSED"),
      step("s2", "FAILED"),
      step("s2", "SKIPPED"),
      finished("s2"),
      started("s3", "c3"),
      step("s3", "SKIPPED"),
      finished("s3"),
    );
    expect(countScenarios(ndjson)).to.deep.equal({ passed: 1, failed: 1, skipped: 1 });
  });

  it("counts undefined, pending and ambiguous steps as failures", () => {
    for (const status of ["UNDEFINED", "PENDING", "AMBIGUOUS", "UNKNOWN"]) {
      const ndjson = lines(
        testCase("c1", "p1"),
        started("s1", "c1"),
        step("s1", status),
        finished("s1"),
      );
      expect(countScenarios(ndjson).failed, status).to.equal(1);
    }
  });

  it("counts a retried scenario once, by its last attempt", () => {
    const ndjson = lines(
      testCase("c1", "p1"),
      started("s1", "c1"),
      step("s1", "FAILED"),
      finished("s1", true),
      started("s2", "c1"),
      step("s2", "PASSED"),
      finished("s2"),
    );
    expect(countScenarios(ndjson)).to.deep.equal({ passed: 1, failed: 0, skipped: 0 });
  });

  it("counts scenarios that never finished (a run cut short) as failed", () => {
    const ndjson = lines(
      testCase("c1", "p1"),
      testCase("c2", "p2"),
      started("s1", "c1"),
      step("s1", "PASSED"),
      finished("s1"),
    );
    expect(countScenarios(ndjson)).to.deep.equal({ passed: 1, failed: 1, skipped: 0 });
  });
});

describe("summaryLine", () => {
  it("is the plain line CI reads", () => {
    expect(summaryLine({ passed: 46, failed: 0, skipped: 0 })).to.equal(
      "features: 46 passed, 0 failed",
    );
    expect(summaryLine({ passed: 4, failed: 1, skipped: 2 })).to.equal(
      "features: 4 passed, 1 failed, 2 skipped",
    );
  });
});

describe("countScenarios with nothing selected", () => {
  it("counts nothing when no scenario was selected (a tag or line that matches none)", () => {
    const ndjson = lines({ pickle: { id: "p1" } }, { pickle: { id: "p2" } });
    expect(countScenarios(ndjson)).to.deep.equal({ passed: 0, failed: 0, skipped: 0 });
  });
});
