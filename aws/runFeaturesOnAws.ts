import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { FeaturesOnAwsConfig } from "./config";
import {
  isAwsSetupError,
  isRemoteRunError,
  RemoteCommandNotRunError,
  SuiteRevisionMismatchError,
} from "./errors";
import { type Clock, type RemoteCommandResult, runRemoteCommand } from "./RemoteCommand";
import { buildRemoteScript, exitCodeKey, resultsKey, SUITE_KEY, suiteLogKey } from "./remoteScript";
import { downloadResults, readSuiteExit, uploadedRevision } from "./results";
import { readStackOutputs } from "./StackOutputs";

/** Exit code when the run could not start: stack, outputs or suite missing. */
export const EXIT_SETUP_FAILED = 2;
/** Exit code when the remote command could not run the suite to its end (no suite exit code). */
export const EXIT_REMOTE_NOT_RUN = 3;

export interface FeaturesOnAwsDeps {
  cfn: CloudFormationClient;
  ssm: SSMClient;
  s3: S3Client;
  clock: Clock;
  /** A new run id, e.g. makeRunId(new Date(), randomHex). */
  newRunId: () => string;
  /** This checkout's commit and whether files differ from it; undefined when git cannot say. */
  checkout: { revision: string; dirty: boolean } | undefined;
  log: (line: string) => void;
  logError: (line: string) => void;
}

/**
 * Runs the scenario suite on the stack's instance and brings its allure results home.
 * Resolves to the process exit code: the suite's own, or EXIT_SETUP_FAILED / EXIT_REMOTE_NOT_RUN.
 */
export async function runFeaturesOnAws(
  config: FeaturesOnAwsConfig,
  deps: FeaturesOnAwsDeps,
): Promise<number> {
  const { log, logError } = deps;
  try {
    const outputs = await readStackOutputs(deps.cfn, config.stackName, config.region);
    const uploaded = await uploadedRevision(deps.s3, outputs.resultsBucket, SUITE_KEY);
    log(`The uploaded suite is ${uploaded ?? "of an unrecorded revision"}.`);
    if (deps.checkout === undefined) {
      log("git cannot tell this checkout's revision; running the uploaded suite as it is.");
    } else if (uploaded !== deps.checkout.revision) {
      throw new SuiteRevisionMismatchError(uploaded, deps.checkout.revision);
    } else if (deps.checkout.dirty) {
      log(
        "Note: this checkout has uncommitted changes; the instance runs the commit without them.",
      );
    }
    const runId = deps.newRunId();
    log(
      `Running the suite on ${outputs.instanceId} (stack ${config.stackName}, ${config.region}), run ${runId}.`,
    );

    const result = await runRemoteCommand(
      deps.ssm,
      {
        instanceId: outputs.instanceId,
        commands: buildRemoteScript({
          runId,
          bucket: outputs.resultsBucket,
          region: outputs.region,
          valkeyEndpoint: `${outputs.valkeyAddress}:${outputs.valkeyPort}`,
          table: outputs.tableName,
          toxiproxyUrl: config.toxiproxyUrl,
        }),
        executionTimeoutSeconds: config.executionTimeoutSeconds,
        comment: `hybrid-session-store features ${runId}`,
      },
      deps.clock,
      { intervalMs: config.pollIntervalMs },
    );
    if (result.stdout.trim() !== "") log(result.stdout.trimEnd());

    const suiteExit = await readSuiteExit(deps.s3, {
      bucket: outputs.resultsBucket,
      key: exitCodeKey(runId),
    });
    if (suiteExit === undefined) throw notRun(result);

    await downloadResults(
      deps.s3,
      { bucket: outputs.resultsBucket, key: resultsKey(runId) },
      config.resultsDir,
    );
    log(`The suite's full log: s3://${outputs.resultsBucket}/${suiteLogKey(runId)}`);
    log(
      suiteExit === 0
        ? `The suite passed; its results are in ${config.resultsDir}/.`
        : `The suite failed with exit code ${suiteExit}; its results are in ${config.resultsDir}/.`,
    );
    return suiteExit;
  } catch (error) {
    if (isAwsSetupError(error)) {
      logError(`features:aws: ${error.message}`);
      return EXIT_SETUP_FAILED;
    }
    if (isRemoteRunError(error)) {
      logError(`features:aws: the suite could not run on the instance: ${error.message}`);
      return EXIT_REMOTE_NOT_RUN;
    }
    throw error;
  }
}

function notRun(result: RemoteCommandResult): RemoteCommandNotRunError {
  const stderr = result.stderr.trim().split("\n").slice(-20).join("\n");
  const explanation =
    result.status === "TimedOut"
      ? result.statusDetails === "DeliveryTimedOut"
        ? "the instance's SSM agent never picked it up"
        : "it ran longer than HSS_REMOTE_TIMEOUT_SECONDS allows"
      : result.status === "Cancelled"
        ? "it was cancelled"
        : `the script exited ${result.responseCode} before it uploaded the suite's exit code${stderr ? `; its stderr ends:\n${stderr}` : ""}`;
  return new RemoteCommandNotRunError(
    result.commandId,
    result.status,
    result.statusDetails,
    explanation,
  );
}
