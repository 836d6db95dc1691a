import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { HealthReport } from "../../service";
import { serviceOver } from "./fixture";
import { closedPort, hangingServer, type LocalEnv, localEnv, withPorts } from "./localEnv";

describe("GET /health", () => {
  let env: LocalEnv;
  before(async () => {
    env = await localEnv();
  });
  after(async () => {
    await env?.release();
  });

  async function health(ports: { valkey?: number; dynamodb?: number }) {
    const svc = await serviceOver(withPorts(env.description.storeConfig, ports));
    try {
      const started = performance.now();
      const res = await svc.app.inject({ method: "GET", url: "/health" });
      return {
        status: res.statusCode,
        report: res.json() as HealthReport,
        ms: performance.now() - started,
      };
    } finally {
      await svc.close();
    }
  }

  it("is 200 ok when both stores answer", async () => {
    const { status, report } = await health({});
    expect(status).to.equal(200);
    expect(report.status).to.equal("ok");
    expect(report.stores.cache.state).to.equal("up");
    expect(report.stores.dynamodb.state).to.equal("up");
  });

  it("is 200 degraded, naming DynamoDB, when only DynamoDB is down", async () => {
    const { status, report } = await health({ dynamodb: await closedPort() });
    expect([status, report.status]).to.deep.equal([200, "degraded"]);
    expect(report.stores.cache.state).to.equal("up");
    expect(report.stores.dynamodb.state).to.equal("down");
    expect(report.stores.dynamodb.reason).to.be.a("string").and.not.be.empty;
  });

  it("is 200 degraded, naming the cache, when only the cache is down", async () => {
    const { status, report } = await health({ valkey: await closedPort() });
    expect([status, report.status]).to.deep.equal([200, "degraded"]);
    expect(report.stores.cache.state).to.equal("down");
    expect(report.stores.dynamodb.state).to.equal("up");
  });

  it("is 503 when neither store can serve", async () => {
    const { status, report } = await health({
      valkey: await closedPort(),
      dynamodb: await closedPort(),
    });
    expect([status, report.status]).to.deep.equal([503, "down"]);
    expect([report.stores.cache.state, report.stores.dynamodb.state]).to.deep.equal([
      "down",
      "down",
    ]);
  });

  it("answers within 1 s when both stores hang", async () => {
    const valkey = await hangingServer();
    const dynamodb = await hangingServer();
    try {
      const { status, report, ms } = await health({ valkey: valkey.port, dynamodb: dynamodb.port });
      expect(ms, "milliseconds to answer").to.be.below(1000);
      expect([status, report.status]).to.deep.equal([503, "down"]);
      expect(report.stores.dynamodb.reason).to.match(/within \d+ ms/);
    } finally {
      await Promise.all([valkey.close(), dynamodb.close()]);
    }
  });
});
