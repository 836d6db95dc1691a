import { describe, it } from "node:test";
import { expect } from "chai";
import { configFromEnv } from "../../aws/config";

describe("configFromEnv", () => {
  it("defaults to the hybrid-session-store stack in Tokyo", () => {
    expect(configFromEnv({})).to.deep.equal({
      stackName: "hybrid-session-store",
      region: "ap-northeast-1",
      executionTimeoutSeconds: 3600,
      pollIntervalMs: 10_000,
      resultsDir: "allure-results",
      toxiproxyUrl: "http://127.0.0.1:8474",
    });
  });

  it("takes the stack name, region and timings from the environment", () => {
    const config = configFromEnv({
      STACK_NAME: "hss-test",
      AWS_DEFAULT_REGION: "us-west-2",
      HSS_REMOTE_TIMEOUT_SECONDS: "7200",
      HSS_POLL_INTERVAL_SECONDS: "5",
    });
    expect(config).to.include({
      stackName: "hss-test",
      region: "us-west-2",
      executionTimeoutSeconds: 7200,
      pollIntervalMs: 5000,
    });
    expect(
      configFromEnv({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-west-2" }).region,
    ).to.equal("eu-west-1");
  });

  it("refuses a timing that is not a positive whole number", () => {
    expect(() => configFromEnv({ HSS_REMOTE_TIMEOUT_SECONDS: "1h" })).to.throw(
      'HSS_REMOTE_TIMEOUT_SECONDS must be a positive whole number of seconds, not "1h"',
    );
  });
});
