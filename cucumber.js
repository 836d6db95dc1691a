// Cucumber profiles. Each picks an environment through worldParameters; `default` is the local one,
// which `npm run features` starts (or attaches to) and describes in .local-env.json.
const { existsSync, readFileSync } = require("node:fs");

// The environment descriptions' names, shared with lab/envFile.ts and the service. The aws one is
// written by `npm run features:instance` (scripts/features-instance.ts) on the stack's instance.
const { local: ENV_FILE, aws: AWS_ENV_FILE } = require("./lab/envFiles.json");

/** What the Allure report's environment section shows: server versions and the profile. */
function environmentInfo(profile, envFile = ENV_FILE) {
  const info = { profile, node: process.version };
  if (existsSync(envFile)) {
    const env = JSON.parse(readFileSync(envFile, "utf8"));
    info.valkey = `${env.valkey.version} (${env.valkey.nodes.length} nodes)`;
    info.dynamodb =
      env.kind === "local" ? `DynamoDB Local ${env.dynamodb.version}` : env.dynamodb.region;
    // Which fault proxy made the faults: results from the embedded one and the real one differ in kind.
    const names = {
      embedded: "embedded Toxiproxy-compatible server, API",
      "toxiproxy-server": "Toxiproxy",
      external: "external Toxiproxy",
    };
    if (env.toxiproxy) {
      const { server, version, url } = env.toxiproxy;
      info.faultProxy = `${names[server] ?? server} ${version} (${url})`;
    }
  }
  return info;
}

// Cucumber adds the profile's paths to those on the command line; name the default only when the
// command line names none, so `npm run features -- features/x.feature` runs just that file.
const namesFeatures = process.argv.some((arg) => /\.feature(:\d+)*$/.test(arg));

const common = {
  requireModule: ["ts-node/register"],
  require: ["support/world.ts", "support/parameters.ts", "support/hooks.ts", "steps/**/*.ts"],
  paths: namesFeatures ? [] : ["features/**/*.feature"],
};

const local = {
  ...common,
  // @http scenarios talk to the HTTP service itself: they run in the local-http profile.
  tags: "not @http",
  worldParameters: { profile: "local", envFile: ENV_FILE, driver: "in-process" },
  format: ["progress", ["allure-cucumberjs/reporter", "reports/allure-reporter.log"]],
  formatOptions: { resultsDir: "allure-results", environmentInfo: environmentInfo("local") },
};

module.exports = {
  default: local,
  // The same scenarios through the HTTP service (run in the test process over the same store).
  // @perf measures the store library itself, so it runs in the default profile only.
  "local-http": {
    ...local,
    tags: "not @perf and not @servers",
    worldParameters: { ...local.worldParameters, driver: "http" },
    formatOptions: {
      ...local.formatOptions,
      environmentInfo: { ...environmentInfo("local-http"), driver: "http" },
    },
  },
  // ElastiCache and DynamoDB in AWS, attached to (never started). Nodes there cannot be killed and
  // DynamoDB is reached without a fault proxy (TLS), so scenarios that need either are @local-only.
  aws: {
    ...common,
    tags: "not @local-only and not @http",
    worldParameters: { profile: "aws", envFile: AWS_ENV_FILE },
    format: ["progress", ["allure-cucumberjs/reporter", "reports/allure-reporter.log"]],
    formatOptions: {
      resultsDir: "allure-results",
      environmentInfo: environmentInfo("aws", AWS_ENV_FILE),
    },
  },
};
// The aws profile on the steps compiled by `npm run build:service` (build/), as the instance runs it.
module.exports["aws-build"] = {
  ...module.exports.aws,
  requireModule: [],
  require: common.require.map((file) => `build/${file.replace(/\.ts$/, ".js")}`),
};
