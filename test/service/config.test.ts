import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { ConfigError, loadServiceConfig, loadStoreTarget } from "../../service";

describe("service configuration", () => {
  let dir: string;
  const storeConfig = {
    valkey: { addresses: [{ host: "127.0.0.1", port: 7001 }] },
    dynamodb: { endpoint: "http://127.0.0.1:8100", region: "ap-northeast-1" },
    tableName: "session-store",
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "hss-config-"));
    writeFileSync(join(dir, ".local-env.json"), JSON.stringify({ kind: "local", storeConfig }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("with nothing set attaches to .local-env.json, on 127.0.0.1:8000, 512 KiB bodies", () => {
    const config = loadServiceConfig({}, [], dir);
    expect(config).to.deep.include({ port: 8000, host: "127.0.0.1", bodyLimitBytes: 524288 });
    expect(config.storeConfig).to.deep.equal(storeConfig);
    expect(config.source).to.equal(join(dir, ".local-env.json"));
    expect(config.toxiproxyUrl).to.equal(undefined);
  });

  it("reads variables, and flags win over them", () => {
    const env = { PORT: "9000", HOST: "0.0.0.0", HSS_BODY_LIMIT_BYTES: "1000", HSS_TABLE: "t1" };
    const config = loadServiceConfig(env, ["--port", "9100", "--table=t2"], dir);
    expect(config).to.deep.include({ port: 9100, host: "0.0.0.0", bodyLimitBytes: 1000 });
    expect(config.storeConfig.tableName).to.equal("t2");
  });

  it("reads a clock offset in milliseconds, ahead or behind; none by default", () => {
    expect(loadServiceConfig({}, [], dir).clockOffsetMs).to.equal(0);
    expect(loadServiceConfig({ HSS_CLOCK_OFFSET_MS: "-1500" }, [], dir).clockOffsetMs).to.equal(
      -1500,
    );
    const flag = loadServiceConfig({ HSS_CLOCK_OFFSET_MS: "1" }, ["--clock-offset-ms=+60000"], dir);
    expect(flag.clockOffsetMs).to.equal(60000);
  });

  it("with HSS_VALKEY_ENDPOINT alone describes the AWS stack, without the env file", () => {
    const config = loadStoreTarget(
      {
        HSS_VALKEY_ENDPOINT: "clustercfg.hss.abc123.apne1.cache.amazonaws.com:6379",
        HSS_DYNAMODB_REGION: "ap-northeast-1",
        HSS_TABLE: "session-store",
        TOXIPROXY_URL: "http://127.0.0.1:8474",
      },
      [],
      dir,
    );
    expect(config.storeConfig).to.deep.equal({
      valkey: {
        addresses: [{ host: "clustercfg.hss.abc123.apne1.cache.amazonaws.com", port: 6379 }],
      },
      dynamodb: { region: "ap-northeast-1" },
      tableName: "session-store",
    });
    expect(config.toxiproxyUrl).to.equal("http://127.0.0.1:8474");
  });

  it("lays variables over a named env file", () => {
    const config = loadStoreTarget(
      { HSS_ENV_FILE: ".local-env.json", HSS_DYNAMODB_ENDPOINT: "http://127.0.0.1:9999" },
      ["--valkey-endpoint", "127.0.0.1:7005"],
      dir,
    );
    expect(config.storeConfig.valkey.addresses).to.deep.equal([{ host: "127.0.0.1", port: 7005 }]);
    expect(config.storeConfig.dynamodb.endpoint).to.equal("http://127.0.0.1:9999");
    expect(config.storeConfig.tableName).to.equal("session-store");
  });

  it("names the variable or flag at fault", () => {
    const cases: [NodeJS.ProcessEnv, string[], RegExp][] = [
      [{ PORT: "eighty" }, [], /PORT must be a whole number/],
      [{}, ["--port", "70000"], /--port must be at most 65535/],
      [
        { HSS_BODY_LIMIT_BYTES: "0" },
        [],
        /HSS_BODY_LIMIT_BYTES must be a whole number of at least 1/,
      ],
      [{ HSS_VALKEY_ENDPOINT: "no-port" }, [], /HSS_VALKEY_ENDPOINT must be host:port/],
      [{ HSS_DYNAMODB_ENDPOINT: "not a url" }, [], /HSS_DYNAMODB_ENDPOINT must be a URL/],
      [{ HSS_LOG_LEVEL: "loud" }, [], /HSS_LOG_LEVEL must be one of/],
      [{ HSS_CLOCK_OFFSET_MS: "1.5" }, [], /HSS_CLOCK_OFFSET_MS must be a whole number/],
      [{ HSS_ENV_FILE: "missing.json" }, [], /HSS_ENV_FILE .*missing.json cannot be read/],
      [{}, ["--colour"], /Unknown option '--colour'/],
    ];
    for (const [env, argv, message] of cases) {
      expect(() => loadServiceConfig(env, argv, dir), message.source)
        .to.throw(ConfigError)
        .with.property("message")
        .that.matches(message);
    }
  });

  it("says how to get a store when there is neither an env file nor an endpoint", () => {
    const empty = mkdtempSync(join(tmpdir(), "hss-config-empty-"));
    try {
      expect(() => loadServiceConfig({}, [], empty)).to.throw(ConfigError, /npm run env:up/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
