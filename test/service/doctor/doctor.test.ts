import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { loadStoreTarget, type StoreTarget } from "../../../service/config";
import { exitCodeOf, formatResult, runChecks } from "../../../service/doctor";
import { closedPort, hangingServer, type LocalEnv, localEnv, ROOT, withPorts } from "../localEnv";
import { runDoctor } from "./runDoctor";

const statusLines = (out: string) => out.split("\n").filter((l) => /^(ok|FAIL|skip) /.test(l));

describe("npm run doctor", () => {
  let env: LocalEnv;
  let target: StoreTarget;
  let toxiproxy: Server;
  let toxiproxyUrl: string;

  before(async () => {
    env = await localEnv();
    target = loadStoreTarget({}, [], ROOT);
    // Answers GET /version as Toxiproxy does; the fault proxy itself is not under test here.
    toxiproxy = createServer((req, res) => {
      res.writeHead(req.url === "/version" ? 200 : 404, { "content-type": "application/json" });
      res.end('{"version":"2.12.0"}\n');
    });
    await new Promise<void>((done) => toxiproxy.listen(0, "127.0.0.1", done));
    toxiproxyUrl = `http://127.0.0.1:${(toxiproxy.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((done) => toxiproxy.close(() => done()));
    await env?.release();
  });

  it("finds everything ok in the local environment", async () => {
    const results = await runChecks({ ...target, toxiproxyUrl });
    const failures = results.filter((r) => r.status !== "ok").map(formatResult);
    expect(failures, "checks not ok").to.deep.equal([]);
    const names = results.map((r) => r.name);
    const nodes = env.description.valkey.nodes.map(
      (n) => `valkey node ${n.host}:${n.port} reachable`,
    );
    expect(names).to.include.members([
      ...nodes,
      "valkey cluster state ok, all 16384 slots",
      "valkey 3 primaries and 3 replicas",
      "clock skew against valkey under 1000 ms",
      "dynamodb table session-store present",
      "dynamodb TTL enabled on session-store.expires_at",
      `fault proxy reachable at ${toxiproxyUrl}`,
    ]);
    // The store's seeds are the proxies' addresses, where the cluster names its nodes: checked as
    // seeds, named with the node behind.
    const proxies = env.description.toxiproxy?.proxies ?? [];
    expect(target.storeConfig.valkey.addresses).to.have.length.greaterThan(0);
    for (const seed of target.storeConfig.valkey.addresses) {
      const seedAddress = `${seed.host}:${seed.port}`;
      const node = proxies.find((p) => p.listen === seedAddress)?.upstream;
      expect(node, `the node behind ${seedAddress}`).to.be.a("string");
      expect(names).not.to.include(`valkey node ${seedAddress} reachable`);
      const line = results.find((r) => r.name === `valkey seed ${seedAddress} reachable`);
      expect(line?.detail).to.match(
        new RegExp(`\\(fault proxy for ${node}, (primary|replica)\\)$`),
      );
    }
    expect(exitCodeOf(results)).to.equal(0);
  });

  it("reports FAIL with a reason for every server on a closed port, within each deadline", async () => {
    const started = performance.now();
    const results = await runChecks(
      {
        ...target,
        storeConfig: withPorts(target.storeConfig, {
          valkey: await closedPort(),
          dynamodb: await closedPort(),
        }),
        valkeyNodes: undefined,
        toxiproxyUrl: `http://127.0.0.1:${await closedPort()}`,
      },
      { checkTimeoutMs: 1000 },
    );
    expect(performance.now() - started, "milliseconds").to.be.below(3000);
    expect(results.map((r) => r.status)).to.not.include("ok");
    for (const r of results) expect(formatResult(r)).to.match(/^FAIL {2}.+: .*ECONNREFUSED/);
    expect(exitCodeOf(results)).to.equal(1);
  });

  it("gives up on a server that hangs at each check's deadline", async () => {
    const valkey = await hangingServer();
    const dynamodb = await hangingServer();
    try {
      const started = performance.now();
      const results = await runChecks(
        {
          ...target,
          storeConfig: withPorts(target.storeConfig, {
            valkey: valkey.port,
            dynamodb: dynamodb.port,
          }),
          valkeyNodes: undefined,
        },
        { checkTimeoutMs: 300 },
      );
      expect(performance.now() - started, "milliseconds").to.be.below(1500);
      const failed = results.filter((r) => r.status === "FAIL");
      expect(failed.map((r) => r.name)).to.include.members([
        `valkey seed 127.0.0.1:${valkey.port} reachable`,
        `dynamodb reachable at http://127.0.0.1:${dynamodb.port}`,
      ]);
      expect(failed.length).to.equal(7);
    } finally {
      await Promise.all([valkey.close(), dynamodb.close()]);
    }
  });

  it("fails a wrong expectation: the topology check says what it found", async () => {
    const results = await runChecks(target, { primaries: 2, replicas: 4 });
    const topology = results.find((r) => r.name === "valkey 2 primaries and 4 replicas");
    expect(topology?.status).to.equal("FAIL");
    expect(topology?.detail).to.match(/^found 3 primaries and 3 replicas/);
  });

  it("exits 0 configured by the AWS stack's variables, 1 with FAIL lines on closed ports", async () => {
    const dynamodb = env.description.storeConfig.dynamodb;
    const seed = env.description.valkey.seeds[0];
    const ok = await runDoctor({
      HSS_VALKEY_ENDPOINT: `${seed?.host}:${seed?.port}`,
      HSS_DYNAMODB_REGION: dynamodb.region,
      HSS_DYNAMODB_ENDPOINT: dynamodb.endpoint,
      HSS_TABLE: env.description.dynamodb.table,
      // DynamoDB Local takes any credentials; set here so the SDK never looks beyond this machine.
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      TOXIPROXY_URL: toxiproxyUrl,
    });
    expect(ok.code, ok.out).to.equal(0);
    expect(
      statusLines(ok.out).filter((l) => !l.startsWith("ok ")),
      ok.out,
    ).to.deep.equal([]);
    expect(statusLines(ok.out)).to.have.length.of.at.least(13);
    const closedSeed = `127.0.0.1:${await closedPort()}`;
    const failing = await runDoctor({
      HSS_ENV_FILE: ".local-env.json",
      HSS_VALKEY_ENDPOINT: closedSeed,
      HSS_DYNAMODB_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(failing.code, failing.out).to.equal(1);
    const lines = statusLines(failing.out);
    expect(
      lines.filter((l) => l.startsWith("FAIL ")),
      failing.out,
    ).to.have.length(7);
    expect(failing.out).to.match(/doctor: \d+ ok or skipped, 7 failed/);
    // A seed that is no node of the cluster (on AWS: the configuration endpoint) is named a seed.
    expect(lines).to.include.members([
      `FAIL  valkey seed ${closedSeed} reachable: connect ECONNREFUSED ${closedSeed}`,
    ]);
  });
});
