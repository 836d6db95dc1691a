// `npm run features:aws`: runs the scenario suite on the instance of the stack deploy.sh made,
// through Systems Manager (no SSH), and unpacks its allure results into ./allure-results.
// Exit code: the suite's own; 2 when the stack or suite is not ready, or the uploaded suite is not
// this checkout's commit; 3 when the suite could not run.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { checkoutRevision } from "../aws/checkoutRevision";
import { configFromEnv } from "../aws/config";
import { makeRunId } from "../aws/remoteScript";
import { EXIT_SETUP_FAILED, runFeaturesOnAws } from "../aws/runFeaturesOnAws";
import { runMain } from "../common/runMain";

async function main(): Promise<number> {
  const config = configFromEnv(process.env);
  const clients = { region: config.region };
  return runFeaturesOnAws(config, {
    cfn: new CloudFormationClient(clients),
    ssm: new SSMClient(clients),
    s3: new S3Client(clients),
    clock: { now: () => Date.now(), wait: (ms) => delay(ms) },
    newRunId: () => makeRunId(new Date(), randomBytes(3).toString("hex")),
    checkout: checkoutRevision(resolve(__dirname, "..")),
    log: (line) => console.log(line),
    logError: (line) => console.error(line),
  });
}

runMain("features:aws", main, { failureCode: EXIT_SETUP_FAILED });
