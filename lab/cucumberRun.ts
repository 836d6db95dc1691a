import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { messageOf } from "../common/messageOf";
import { countScenarios, type FeatureCounts, summaryLine } from "./featureResults";
import { type Attached, withEnvironment } from "./withEnvironment";

/** What a suite runs against: checked after the run. */
export interface SuiteEnvironment {
  checkHealth(): Promise<void>;
}

/**
 * The whole of a features run: attaches to (or starts) an environment, runs cucumber once per
 * argument list in `runs` (e.g. two profiles), says if a server broke meanwhile, stops the
 * environment (on SIGINT/SIGTERM too, see withEnvironment) and prints one
 * `features: N passed, N failed` line for all the runs, last. Resolves to the exit code.
 */
export async function runSuite(
  root: string,
  runs: string[][],
  log: (line: string) => void,
  attach: () => Promise<Attached<SuiteEnvironment>>,
): Promise<number> {
  try {
    return await withEnvironment(attach, async ({ env }) => {
      const results: CucumberRun[] = [];
      for (const [i, args] of runs.entries()) {
        results.push(await runCucumber(root, args, log, { clearResults: i === 0 }));
      }
      try {
        await env.checkHealth();
      } catch (error) {
        log(messageOf(error));
      }
      return combined(results);
    }).then((run) => {
      const { line, exitCode } = closingOf(run);
      console.log(line);
      return exitCode;
    });
  } catch (error) {
    log(messageOf(error));
    console.log(summaryLine({ passed: 0, failed: 1, skipped: 0 }));
    return 1;
  }
}

/** What one cucumber run did: its exit code and its scenarios, counted from its message stream. */
export interface CucumberRun {
  code: number;
  counts: FeatureCounts;
}

/**
 * Runs cucumber-js in `root` with `args` (a profile, feature paths...), after clearing the last
 * allure results, and counts its scenarios from the message stream it writes to reports/.
 */
export async function runCucumber(
  root: string,
  args: string[],
  log: (line: string) => void,
  { clearResults = true }: { clearResults?: boolean } = {},
): Promise<CucumberRun> {
  const messagesFile = join(root, "reports", "cucumber-messages.ndjson");
  if (clearResults) rmSync(join(root, "allure-results"), { recursive: true, force: true });
  mkdirSync(join(root, "reports"), { recursive: true });
  rmSync(messagesFile, { force: true });
  const bin = join(root, "node_modules", ".bin", "cucumber-js");
  const child = spawn(bin, [...args, "--format", `message:${messagesFile}`], {
    cwd: root,
    stdio: "inherit",
  });
  const code = await new Promise<number>((done) => {
    child.on("exit", (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)));
  });
  let counts: FeatureCounts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = countScenarios(readFileSync(messagesFile, "utf8"));
  } catch {
    log("cucumber wrote no results");
  }
  return { code, counts };
}

/** Several runs as one: counts added up, the worst exit code. */
function combined(runs: CucumberRun[]): CucumberRun {
  return runs.reduce(
    (all, run) => ({
      code: all.code !== 0 ? all.code : run.code,
      counts: {
        passed: all.counts.passed + run.counts.passed,
        failed:
          all.counts.failed + (run.code !== 0 && run.counts.failed === 0 ? 1 : run.counts.failed),
        skipped: all.counts.skipped + run.counts.skipped,
      },
    }),
    { code: 0, counts: { passed: 0, failed: 0, skipped: 0 } },
  );
}

/**
 * The closing line and the exit code of a run: a run that failed without a failed scenario
 * (cucumber could not start, a hook broke) counts one failure, so the line never claims success.
 */
export function closingOf({ code, counts }: CucumberRun): { line: string; exitCode: number } {
  const failed = code !== 0 && counts.failed === 0 ? 1 : counts.failed;
  return {
    line: summaryLine({ ...counts, failed }),
    exitCode: failed > 0 ? 1 : code,
  };
}
