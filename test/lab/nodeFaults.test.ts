import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { writeEnvFile } from "../../lab/envFile";
import { LocalEnvironment } from "../../lab/LocalEnvironment";
import { localPaths } from "../../lab/localEnvFile";
import { assertClusterReady } from "../../lab/ValkeyCluster";
import { clusterNodes, respCommand } from "../../probe/resp";
import { type LocalEnv, localEnv, ROOT } from "../service/localEnv";
import { keyOwnedBy } from "./tcp";

const HOST = "127.0.0.1";

describe("node faults in the local environment: each healed leaves the cluster healthy", () => {
  let shared: LocalEnv;
  let env: LocalEnvironment;
  let ports: number[];

  before(async () => {
    shared = await localEnv();
    env = LocalEnvironment.attach(shared.description);
    ports = env.description.valkey.nodes.map((n) => n.port);
  });
  after(async () => {
    // A restarted node runs under a new pid: every tool that attaches (and env:down) must know it.
    if (env) writeEnvFile(localPaths(ROOT).envFile, env.description);
    await shared?.release();
  });

  async function nodeOf(role: "primary" | "replica"): Promise<number> {
    const nodes = await clusterNodes(HOST, ports[0] as number);
    return nodes.find((n) => n.role === role)?.port as number;
  }

  /** The replica of `primary`, from its INFO replication. */
  async function replicaOf(primary: number): Promise<number> {
    const info = String(await respCommand(HOST, primary, ["INFO", "replication"]));
    return Number(/slave0:ip=[^,]+,port=(\d+)/.exec(info)?.[1]);
  }

  const answers = (port: number) =>
    respCommand(HOST, port, ["PING"], 300).then(
      () => true,
      () => false,
    );

  for (const role of ["replica", "primary"] as const) {
    it(`pauseNode freezes a ${role}; resumeNode thaws it into a healthy cluster`, async () => {
      const port = await nodeOf(role);
      await env.pauseNode(port);
      try {
        expect(await answers(port)).to.equal(false);
      } finally {
        await env.resumeNode(port);
      }
      expect(await answers(port)).to.equal(true);
      await assertClusterReady(HOST, ports);
    });
  }

  it("restartNodeEmpty on a primary before its failover: that shard loses every key", async () => {
    const primary = await nodeOf("primary");
    const replica = await replicaOf(primary);
    const key = await keyOwnedBy(primary);
    await respCommand(HOST, primary, ["SET", key, "before"]);
    const pid = env.description.valkey.nodes.find((n) => n.port === primary)?.pid;
    await env.restartNodeEmpty(primary);
    expect(env.description.valkey.nodes.find((n) => n.port === primary)).to.deep.include({
      role: "primary",
    });
    expect(env.description.valkey.nodes.find((n) => n.port === primary)?.pid).not.to.equal(pid);
    expect(await respCommand(HOST, primary, ["GET", key])).to.equal(null);
    expect(await respCommand(HOST, replica, ["DBSIZE"])).to.equal(0);
    await assertClusterReady(HOST, ports);
  });

  it("restartNodeEmpty on a replica: it resyncs its primary's keys", async () => {
    const primary = await nodeOf("primary");
    const replica = await replicaOf(primary);
    const key = await keyOwnedBy(primary);
    await respCommand(HOST, primary, ["SET", key, "kept"]);
    await env.restartNodeEmpty(replica);
    expect(await respCommand(HOST, replica, ["DBSIZE"])).to.equal(
      await respCommand(HOST, primary, ["DBSIZE"]),
    );
    await respCommand(HOST, primary, ["DEL", key]);
    await assertClusterReady(HOST, ports);
  });

  it("flushCache empties every node, straight through the nodes", async () => {
    const primary = await nodeOf("primary");
    await respCommand(HOST, primary, ["SET", await keyOwnedBy(primary), "gone"]);
    await env.flushCache();
    for (const port of ports) expect(await respCommand(HOST, port, ["DBSIZE"])).to.equal(0);
    await assertClusterReady(HOST, ports);
  });

  it("every node, restarted ones too, names itself to clients by its fault proxy's address", async () => {
    const announced = env.description.valkey.announcedHost as string;
    expect(announced, "announcedHost").to.be.a("string").and.not.equal(HOST);
    const proxies = env.description.toxiproxy?.proxies ?? [];
    const primaries = (await clusterNodes(HOST, ports[0] as number)).filter(
      (n) => n.role === "primary",
    );
    for (const port of ports) {
      // A key another primary serves: this node answers MOVED with that primary's client address.
      const other = primaries.find((n) => n.port !== port) as { port: number };
      const moved = await respCommand(HOST, port, ["GET", await keyOwnedBy(other.port)]).then(
        () => "",
        (error: Error) => error.message,
      );
      expect(moved, `node ${port}'s redirect`).to.match(
        new RegExp(`^MOVED \\d+ ${announced.replaceAll(".", "\\.")}:${other.port}$`),
      );
      // What a client that follows it without translating it reaches: the node, through its proxy.
      const proxy = proxies.find((p) => p.listen === `${announced}:${port}`);
      expect(proxy?.upstream, `the proxy at ${announced}:${port}`).to.equal(`${HOST}:${port}`);
      expect(await respCommand(announced, port, ["PING"], 1000)).to.equal("PONG");
    }
  });
});
