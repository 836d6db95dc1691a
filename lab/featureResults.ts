/** Scenario outcomes counted from cucumber's message stream (the `message` formatter's NDJSON). */
export interface FeatureCounts {
  passed: number;
  failed: number;
  skipped: number;
}

interface Envelope {
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string };
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string } };
  testCaseFinished?: { testCaseStartedId: string; willBeRetried: boolean };
}

/**
 * Each scenario counts once, by its final attempt: passed when every step passed, skipped when every
 * step was skipped, failed otherwise. Scenarios that never finished (a run cut short) count as failed.
 */
export function countScenarios(ndjson: string): FeatureCounts {
  const testCasePickle = new Map<string, string>();
  const startedCase = new Map<string, string>();
  const stepStatuses = new Map<string, string[]>();
  const finalStatus = new Map<string, "passed" | "failed" | "skipped">();
  for (const line of ndjson.split("\n")) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as Envelope;
    if (m.testCase) testCasePickle.set(m.testCase.id, m.testCase.pickleId);
    else if (m.testCaseStarted) {
      startedCase.set(m.testCaseStarted.id, m.testCaseStarted.testCaseId);
      stepStatuses.set(m.testCaseStarted.id, []);
    } else if (m.testStepFinished) {
      stepStatuses
        .get(m.testStepFinished.testCaseStartedId)
        ?.push(m.testStepFinished.testStepResult.status);
    } else if (m.testCaseFinished && !m.testCaseFinished.willBeRetried) {
      const started = m.testCaseFinished.testCaseStartedId;
      const pickle = testCasePickle.get(startedCase.get(started) ?? "");
      const statuses = stepStatuses.get(started) ?? [];
      if (pickle === undefined) continue;
      finalStatus.set(
        pickle,
        statuses.every((s) => s === "PASSED")
          ? "passed"
          : statuses.every((s) => s === "SKIPPED")
            ? "skipped"
            : "failed",
      );
    }
  }
  // Test cases are the scenarios selected to run (pickles are every scenario in the files).
  const selected = new Set(testCasePickle.values());
  const counts: FeatureCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const pickle of selected) counts[finalStatus.get(pickle) ?? "failed"] += 1;
  return counts;
}

/** The closing line CI reads: `features: N passed, N failed[, N skipped]`. */
export function summaryLine({ passed, failed, skipped }: FeatureCounts): string {
  return `features: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}
