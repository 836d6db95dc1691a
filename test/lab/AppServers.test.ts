import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { AppServers } from "../../lab/AppServers";
import type { LogLevel } from "../../service/config";
import type { Session } from "../../store";
import { type LocalEnv, localEnv, testPrefix } from "../service/localEnv";

/** POSTs JSON with node:http and resolves with the response, or rejects with the socket's error. */
function post(
  url: string,
  body: unknown,
  onSent: () => void = () => undefined,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.on("finish", onSent);
    req.end(JSON.stringify(body));
  });
}

describe("AppServers: session service processes, each on its own proxies", () => {
  let env: LocalEnv;
  let servers: AppServers;
  let workDir: string;
  let created: Session;

  before(async () => {
    env = await localEnv();
    workDir = mkdtempSync(join(tmpdir(), "hss-app-"));
    const started = performance.now();
    servers = await AppServers.start(env.description, {
      names: ["a", "b"],
      keyPrefix: testPrefix(),
      toxiproxyUrl: env.description.toxiproxy?.url as string,
      workDir,
    });
    console.error(`AppServers: 2 servers up in ${Math.round(performance.now() - started)} ms`);
  });
  after(async () => {
    await servers?.stop();
    rmSync(workDir, { recursive: true, force: true });
    await env?.release();
  });

  it("a session created through A is read through B", async () => {
    const a = servers.get("a");
    const res = await post(`${a.url}/sessions`, { data: { user: "ada" } });
    expect(res.status, res.body).to.equal(201);
    created = JSON.parse(res.body) as Session;
    const read = await fetch(`${servers.get("b").url}/sessions/${created.id}`);
    expect(read.status).to.equal(200);
    expect(await read.json()).to.deep.include({ id: created.id, data: { user: "ada" } });
    expect(servers.servers.map((s) => s.url)).to.deep.equal([
      "http://127.0.0.1:23000",
      "http://127.0.0.1:23001",
    ]);
  });

  it("A killed mid-request: the client sees the connection reset; restarted, A answers again", async () => {
    const a = servers.get("a");
    // DynamoDB answers A late, so the create is still in A's hands when A dies.
    await a.proxies.slow("dynamodb", 3000);
    let killed: Promise<void> = Promise.resolve();
    const outcome = await post(`${a.url}/sessions`, { data: { user: "bob" } }, () => {
      killed = a.kill();
    }).then(
      (res) => `answered ${res.status}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(outcome).to.equal("ECONNRESET");
    await killed;
    expect(a.running()).to.equal(false);
    await a.proxies.heal("dynamodb");
    await a.restart();
    expect(a.running()).to.equal(true);
    const read = await fetch(`${a.url}/sessions/${created.id}`);
    expect(read.status).to.equal(200);
  });

  it("setClockOffset restarts the server, which answers again", async () => {
    const b = servers.get("b");
    await b.setClockOffset(120_000);
    expect(b.running()).to.equal(true);
    expect((await fetch(`${b.url}/health`)).status).to.equal(200);
  });

  it("a server's clock offset shows in the expiresAt of a create", async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const res = await post(`${servers.get("b").url}/sessions`, { data: 1, ttlSeconds: 600 });
    expect(res.status, res.body).to.equal(201);
    const { expiresAt } = JSON.parse(res.body) as Session;
    expect(expiresAt).to.be.within(nowSeconds + 720, nowSeconds + 722);
  });

  it("a server that exits while starting fails the start with its log, and leaves no proxy", async () => {
    const failure = await AppServers.start(env.description, {
      names: ["x"],
      keyPrefix: testPrefix(),
      toxiproxyUrl: env.description.toxiproxy?.url as string,
      workDir,
      portBase: 23010,
      proxyPortBase: 24090,
      // A level the service refuses: it exits at once with a configuration error.
      logLevel: "loud" as LogLevel,
    }).then(
      async (started) => {
        await started.stop();
        return "started";
      },
      (e: Error) => e.message,
    );
    expect(failure).to.match(
      /app server x exited while starting; its log ends:\n[\s\S]*serve: configuration: HSS_LOG_LEVEL/,
    );
    const proxies = (await (
      await fetch(`${env.description.toxiproxy?.url}/proxies`)
    ).json()) as object;
    expect(Object.keys(proxies).filter((name) => name.startsWith("app-x-"))).to.deep.equal([]);
  });
});
