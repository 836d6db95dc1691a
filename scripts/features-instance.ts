/**
 * npm run features:instance [-- cucumber args]: runs the scenarios on the stack's EC2 instance
 * (started there by `npm run features:aws`). Attaches to ElastiCache Valkey and DynamoDB, puts a
 * Toxiproxy proxy in front of every Valkey node, describes it all in .aws-env.json, runs cucumber's
 * `aws` profile, removes the proxies and ends with the line `features: N passed, N failed`.
 *
 * Reads (and is the only reader of):
 *   HSS_VALKEY_ENDPOINT    host:port of the cluster's configuration endpoint (required)
 *   HSS_DYNAMODB_REGION    default ap-northeast-1
 *   HSS_TABLE              default session-store
 *   TOXIPROXY_URL          default http://127.0.0.1:8474
 *   HSS_DYNAMODB_ENDPOINT  an endpoint instead of the region's, for a dry run against DynamoDB Local
 *   HSS_PROXY_PORT_BASE    node n's proxy listens on base + n; default 27000
 */
import "./entry";
import { basename, resolve } from "node:path";
import { AwsEnvironment, type AwsEnvironmentOptions } from "../lab/AwsEnvironment";
import { runSuite } from "../lab/cucumberRun";
import { LOCAL_CREDENTIALS } from "../lab/DynamoDbLocal";
import { AWS_ENV_FILE, removeEnvFile, writeEnvFile } from "../lab/envFile";
import { DEFAULT_REGION, parseAddress, SESSION_TABLE } from "../store";

/** Where the aws profile (cucumber.js) finds the environment, relative to the repository root. */

/** The environment to attach to, from the variables the remote script sets. */
export function awsOptionsFromEnv(env: NodeJS.ProcessEnv): AwsEnvironmentOptions {
  const valkeyEndpoint = env.HSS_VALKEY_ENDPOINT ?? "";
  if (valkeyEndpoint === "") {
    throw new Error("HSS_VALKEY_ENDPOINT must name the Valkey configuration endpoint as host:port");
  }
  parseAddress(valkeyEndpoint, "HSS_VALKEY_ENDPOINT");
  const endpoint = env.HSS_DYNAMODB_ENDPOINT || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new Error(`HSS_DYNAMODB_ENDPOINT must be an http(s) URL, not "${endpoint}"`);
  }
  const rawBase = env.HSS_PROXY_PORT_BASE;
  const proxyPortBase = rawBase ? Number(rawBase) : undefined;
  // Every proxy port (up to base + 1100) must stay below the ephemeral range (32768).
  if (
    proxyPortBase !== undefined &&
    !(Number.isInteger(proxyPortBase) && proxyPortBase >= 1024 && proxyPortBase <= 31_000)
  ) {
    throw new Error(
      `HSS_PROXY_PORT_BASE must be a whole number from 1024 to 31000, not "${rawBase}"`,
    );
  }
  return {
    valkeyEndpoint,
    dynamodb: {
      region: env.HSS_DYNAMODB_REGION || DEFAULT_REGION,
      // An endpoint override is DynamoDB Local, which wants credentials but checks none.
      ...(endpoint ? { endpoint, credentials: { ...LOCAL_CREDENTIALS } } : {}),
    },
    tableName: env.HSS_TABLE || SESSION_TABLE.tableName,
    toxiproxyUrl: env.TOXIPROXY_URL || "http://127.0.0.1:8474",
    ...(proxyPortBase !== undefined ? { proxyPortBase } : {}),
  };
}

// Compiled (build/scripts/features-instance.js) it runs the compiled steps; the features stay at the root.
const compiled = basename(resolve(__dirname, "..")) === "build";
const root = resolve(__dirname, compiled ? "../.." : "..");
const envFile = resolve(root, AWS_ENV_FILE);
const log = (line: string) => console.log(`features: ${line}`);

if (require.main === module) {
  const profile = compiled ? "aws-build" : "aws";
  void runSuite(root, [["--profile", profile, ...process.argv.slice(2)]], log, async () => {
    const env = await AwsEnvironment.attach(awsOptionsFromEnv(process.env));
    const { valkey, dynamodb, toxiproxy } = env.description;
    log(
      `attached to Valkey ${valkey.version} (${valkey.nodes.length} nodes behind ${toxiproxy?.proxies.length ?? 0} proxies) and ${dynamodb.version}, table ${dynamodb.table}`,
    );
    writeEnvFile(envFile, env.description);
    return {
      env,
      started: true,
      // A proxy left behind is worth a line, not the run's verdict: the next run replaces it.
      stop: async () => {
        removeEnvFile(envFile);
        await env.stop().catch((error: unknown) => log(`could not remove the proxies: ${error}`));
      },
    };
  }).then((code) => {
    process.exitCode = code;
  });
}
