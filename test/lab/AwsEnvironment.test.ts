import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Toxiproxy } from "toxiproxy-node-client";
import { AwsEnvironment, type AwsEnvironmentOptions } from "../../lab/AwsEnvironment";
import { LOCAL_CREDENTIALS } from "../../lab/DynamoDbLocal";
import type { Environment, EnvironmentDescription } from "../../lab/Environment";
import { attachEnvironment, readEnvFile } from "../../lab/envFile";
import { ensureLocalEnvironment, localPaths, stopLocalEnvironment } from "../../lab/localEnvFile";
import { CacheObserver } from "../../lab/observe/CacheObserver";
import { ownerOfLocalPort } from "../../lab/observe/connections";
import { awsOptionsFromEnv } from "../../scripts/features-instance";
import { HybridSessionStore } from "../../store";

const root = resolve(__dirname, "..", "..");
/** Proxy names and ports of these tests: apart from the local environment's (valkey-700x, 27001..). */
const PREFIX = "awsenv-test-";
const PORT_BASE = 29_000;

/** A loopback port nothing listens on (the OS handed it out and it was closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function proxyNames(url: string): Promise<string[]> {
  return Object.keys(await new Toxiproxy(url).getAll()).sort();
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("AwsEnvironment against the local environment", { timeout: 90_000 }, () => {
  let local: EnvironmentDescription;
  let startedLocal: Environment | undefined;
  let options: AwsEnvironmentOptions;
  let env: AwsEnvironment;

  before(async () => {
    let described = readEnvFile(localPaths(root).envFile);
    if (!described) {
      const { env: started } = await ensureLocalEnvironment(root, () => undefined);
      startedLocal = started;
      described = started.description;
    }
    local = described;
    const toxiproxyUrl = local.toxiproxy?.url ?? "http://127.0.0.1:8474";
    options = {
      valkeyEndpoint: "127.0.0.1:7001",
      dynamodb: {
        region: local.dynamodb.region,
        endpoint: local.dynamodb.endpoint,
        credentials: { ...LOCAL_CREDENTIALS },
      },
      tableName: local.dynamodb.table,
      toxiproxyUrl,
      proxyPortBase: PORT_BASE,
      proxyNamePrefix: PREFIX,
    };
    env = await AwsEnvironment.attach(options);
  });

  after(async () => {
    await env?.stop();
    if (startedLocal) await stopLocalEnvironment(root, startedLocal);
  });

  it("discovers six nodes, three of them primaries, from the configuration endpoint", () => {
    const { kind, valkey } = env.description;
    expect(kind).to.equal("aws");
    expect(valkey.seeds).to.deep.equal([{ host: "127.0.0.1", port: 7001 }]);
    expect(valkey.nodes).to.have.length(6);
    expect(valkey.nodes.filter((n) => n.role === "primary")).to.have.length(3);
    expect(valkey.version).to.match(/^\d+\.\d+\.\d+$/);
  });

  it("maps every announced node to a proxy of its own, created at Toxiproxy", async () => {
    const { valkey, storeConfig, toxiproxy } = env.description;
    const map = storeConfig.valkey.addressMap ?? {};
    expect(Object.keys(map).sort()).to.deep.equal(
      valkey.nodes.map((n) => `${n.host}:${n.port}`).sort(),
    );
    expect(new Set(Object.values(map)).size).to.equal(valkey.nodes.length);
    const proxies = toxiproxy?.proxies ?? [];
    for (const [upstream, listen] of Object.entries(map)) {
      expect(proxies, upstream).to.deep.include({
        name: proxies.find((p) => p.upstream === upstream)?.name,
        listen,
        upstream,
        store: "valkey",
      });
    }
    const created = (await proxyNames(options.toxiproxyUrl)).filter((n) => n.startsWith(PREFIX));
    expect(created).to.deep.equal(proxies.map((p) => p.name).sort());
    expect(proxies.every((p) => p.name.startsWith(PREFIX))).to.equal(true);
  });

  it("describes DynamoDB by its region and table, its endpoint only because it was overridden", () => {
    const { dynamodb, storeConfig } = env.description;
    expect(dynamodb).to.include({
      endpoint: local.dynamodb.endpoint,
      region: local.dynamodb.region,
      table: local.dynamodb.table,
    });
    expect(storeConfig.tableName).to.equal(local.dynamodb.table);
    // An http endpoint (DynamoDB Local) is proxied like the local environment's.
    const proxy = env.description.toxiproxy?.proxies.find((p) => p.store === "dynamodb");
    expect(storeConfig.dynamodb.endpoint).to.equal(`http://${proxy?.listen}`);
  });

  it("gives a store that keeps sessions, every connection through the proxies", async () => {
    const clientName = `aws-env-test-${process.pid}`;
    // The proxies' process when the local environment names it; otherwise only "not this one".
    const toxiproxyPid = local.toxiproxy?.pid;
    const store = await HybridSessionStore.connect({
      ...env.description.storeConfig,
      valkey: { ...env.description.storeConfig.valkey, clientName },
      keyPrefix: `aws-env-test:${randomUUID()}:`,
    });
    try {
      const created = await store.create({ user: "ada" }, { ttlSeconds: 60 });
      const read = await store.get(created.id);
      expect(read?.source).to.equal("cache");
      expect(read?.data).to.deep.equal({ user: "ada" });
      let seen = 0;
      for (const node of env.description.valkey.nodes) {
        for (const port of await CacheObserver.clientPorts(node.host, node.port, clientName)) {
          seen += 1;
          const owner = ownerOfLocalPort(port, [
            process.pid,
            ...(toxiproxyPid ? [toxiproxyPid] : []),
          ]);
          expect(owner, `owner of the connection from ${port}`).to.equal(toxiproxyPid);
        }
      }
      expect(seen, "store connections seen on the nodes").to.be.greaterThan(0);
      await store.delete(created.id);
    } finally {
      await store.close();
    }
  });

  it("is healthy, and attachEnvironment gives it back from its description", async () => {
    await env.checkHealth();
    const again = attachEnvironment(JSON.parse(JSON.stringify(env.description)));
    expect(again).to.be.instanceOf(AwsEnvironment);
    await again.checkHealth();
  });

  it("names the node that does not answer", async () => {
    const port = await closedPort();
    const broken = AwsEnvironment.fromDescription(
      {
        ...env.description,
        valkey: {
          ...env.description.valkey,
          nodes: [...env.description.valkey.nodes, { host: "127.0.0.1", port, role: "replica" }],
        },
      },
      500,
    );
    const error = await rejection(broken.checkHealth());
    expect(error.message).to.match(
      new RegExp(
        `^the aws environment is unhealthy: Valkey node 127\\.0\\.0\\.1:${port} did not answer PING within 500 ms \\(.*ECONNREFUSED.*\\)$`,
      ),
    );
  });

  it("names a table that does not exist", async () => {
    const missing = AwsEnvironment.fromDescription({
      ...env.description,
      dynamodb: { ...env.description.dynamodb, table: "no-such-table" },
    });
    const error = await rejection(missing.checkHealth());
    expect(error.message).to.equal(
      `the aws environment is unhealthy: table no-such-table does not exist in ${local.dynamodb.endpoint}`,
    );
  });

  it("refuses to attach to a closed endpoint or a missing table, and creates no proxy", async () => {
    const port = await closedPort();
    const closed = await rejection(
      AwsEnvironment.attach({
        ...options,
        valkeyEndpoint: `127.0.0.1:${port}`,
        proxyNamePrefix: "awsenv-never-",
      }),
    );
    expect(closed.message).to.match(
      new RegExp(`^the Valkey configuration endpoint 127\\.0\\.0\\.1:${port} is not usable: `),
    );
    const noTable = await rejection(
      AwsEnvironment.attach({
        ...options,
        tableName: "no-such-table",
        proxyNamePrefix: "awsenv-never-",
      }),
    );
    expect(noTable.message).to.match(/^table no-such-table does not exist in /);
    const names = await proxyNames(options.toxiproxyUrl);
    expect(names.filter((n) => n.startsWith("awsenv-never-"))).to.deep.equal([]);
  });

  it("stops by removing exactly the proxies it created", async () => {
    const ours = (env.description.toxiproxy?.proxies ?? []).map((p) => p.name);
    expect(await proxyNames(options.toxiproxyUrl)).to.include.members(ours);
    await env.stop();
    const left = await proxyNames(options.toxiproxyUrl);
    expect(
      left.filter((n) => n.startsWith(PREFIX)),
      "this environment's proxies",
    ).to.deep.equal([]);
    const locals = local.toxiproxy?.proxies.map((p) => p.name) ?? [];
    expect(locals).to.include("valkey-7001");
    expect(left, "the local environment's proxies").to.include.members(locals);
  });
});

describe("awsOptionsFromEnv (features-instance)", () => {
  it("takes what the remote script sets, with the usual defaults", () => {
    expect(
      awsOptionsFromEnv({ HSS_VALKEY_ENDPOINT: "clustercfg.hss.cache.amazonaws.com:6379" }),
    ).to.deep.equal({
      valkeyEndpoint: "clustercfg.hss.cache.amazonaws.com:6379",
      dynamodb: { region: "ap-northeast-1" },
      tableName: "session-store",
      toxiproxyUrl: "http://127.0.0.1:8474",
    });
    expect(
      awsOptionsFromEnv({
        HSS_VALKEY_ENDPOINT: "10.40.10.7:6379",
        HSS_DYNAMODB_REGION: "eu-west-1",
        HSS_TABLE: "sessions-test",
        TOXIPROXY_URL: "http://127.0.0.1:9474",
        HSS_PROXY_PORT_BASE: "29000",
      }),
    ).to.deep.equal({
      valkeyEndpoint: "10.40.10.7:6379",
      dynamodb: { region: "eu-west-1" },
      tableName: "sessions-test",
      toxiproxyUrl: "http://127.0.0.1:9474",
      proxyPortBase: 29_000,
    });
  });

  it("gives an overridden DynamoDB endpoint DynamoDB Local's credentials", () => {
    expect(
      awsOptionsFromEnv({
        HSS_VALKEY_ENDPOINT: "127.0.0.1:7001",
        HSS_DYNAMODB_ENDPOINT: "http://127.0.0.1:8100",
      }).dynamodb,
    ).to.deep.equal({
      region: "ap-northeast-1",
      endpoint: "http://127.0.0.1:8100",
      credentials: LOCAL_CREDENTIALS,
    });
  });

  it("refuses what it cannot use, naming the variable", () => {
    expect(() => awsOptionsFromEnv({})).to.throw(/^HSS_VALKEY_ENDPOINT must name/);
    expect(() => awsOptionsFromEnv({ HSS_VALKEY_ENDPOINT: "clustercfg" })).to.throw(
      'HSS_VALKEY_ENDPOINT must be host:port, not "clustercfg"',
    );
    expect(() =>
      awsOptionsFromEnv({ HSS_VALKEY_ENDPOINT: "h:6379", HSS_PROXY_PORT_BASE: "40000" }),
    ).to.throw(/^HSS_PROXY_PORT_BASE must be a whole number/);
    expect(() =>
      awsOptionsFromEnv({ HSS_VALKEY_ENDPOINT: "h:6379", HSS_DYNAMODB_ENDPOINT: "localhost:8100" }),
    ).to.throw(/^HSS_DYNAMODB_ENDPOINT must be an http\(s\) URL/);
  });
});
