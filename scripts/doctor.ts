/**
 * npm run doctor [-- --env-file F | --valkey-endpoint H:P ...]: checks, one line each, that every
 * server the store and the suite need answers and is in the expected state. Same configuration as
 * the service (service/config.ts): `.local-env.json` by default, or the AWS stack's variables
 * (HSS_VALKEY_ENDPOINT, HSS_DYNAMODB_REGION, HSS_TABLE, TOXIPROXY_URL). Exits 1 if any check fails.
 */
import "./entry";
import { messageOf } from "../common/messageOf";
import { runMain } from "../common/runMain";
import { ConfigError, loadStoreTarget } from "../service/config";
import { exitCodeOf, formatResult, runChecks } from "../service/doctor";

async function main(): Promise<number> {
  const target = loadStoreTarget(process.env, process.argv.slice(2));
  console.log(`doctor: checking the store configured by ${target.source}`);
  const results = await runChecks(target);
  for (const result of results) console.log(formatResult(result));
  const failed = results.filter((r) => r.status === "FAIL").length;
  console.log(`doctor: ${results.length - failed} ok or skipped, ${failed} failed`);
  return exitCodeOf(results);
}

runMain("doctor", main, {
  failureCode: 2,
  explain: (error) => `${error instanceof ConfigError ? "configuration: " : ""}${messageOf(error)}`,
});
