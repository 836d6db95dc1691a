import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Toxiproxy } from "toxiproxy-node-client";
import { eventually } from "../../common/eventually";
import { ProxySet } from "../../lab/ProxySet";
import { clusterNodes, respCommand } from "../../probe/resp";
import { HybridSessionStore } from "../../store";
import { type LocalEnv, localEnv, testPrefix } from "../service/localEnv";
import { exchange, keyOwnedBy, openConnection, resp } from "./tcp";

const SILENCE_MS = 500;
const PING = resp("PING");

describe("ProxySet: one client's own network path, and the faults on it", () => {
  let env: LocalEnv;
  let set: ProxySet;
  let url: string;

  before(async () => {
    env = await localEnv();
    url = env.description.toxiproxy?.url as string;
    set = await ProxySet.create(env.description, {
      client: "t",
      toxiproxyUrl: url,
      portBase: 24100,
    });
  });
  after(async () => {
    await set?.remove();
    await env?.release();
  });

  const port = (store: "valkey" | "dynamodb", i = 0) =>
    Number(set.of(store)[i]?.listen.split(":")[1]);

  /** A primary as the cluster sees it now, and its proxy in the set. */
  async function primaryAndProxy(): Promise<{ node: number; proxy: number }> {
    const nodes = await clusterNodes("127.0.0.1", env.description.valkey.nodes[0]?.port as number);
    const node = nodes.find((n) => n.role === "primary")?.port as number;
    const proxy = set.of("valkey").find((p) => p.upstream.endsWith(`:${node}`))?.listen;
    return { node, proxy: Number(proxy?.split(":")[1]) };
  }

  it("has one proxy per node and one for DynamoDB, and a store that works through them", async () => {
    const nodes = env.description.valkey.nodes.length;
    expect(set.proxies.map((p) => p.name)).to.include.members([
      "app-t-dynamodb",
      ...env.description.valkey.nodes.map((n) => `app-t-valkey-${n.port}`),
    ]);
    expect(set.proxies.map((p) => p.listen.split(":")[1])).to.deep.equal(
      Array.from({ length: nodes + 1 }, (_, i) => String(24100 + i)),
    );
    const { valkey, dynamodb } = set.storeConfig;
    expect(valkey.addresses.every((a) => a.port >= 24100 && a.port <= 24100 + nodes)).to.equal(
      true,
    );
    expect(Object.keys(valkey.addressMap ?? {})).to.have.length(nodes);
    expect(dynamodb.endpoint).to.equal(`http://127.0.0.1:${24100 + nodes}`);
    const store = await HybridSessionStore.connect({ ...set.storeConfig, keyPrefix: testPrefix() });
    try {
      const created = await store.create({ user: "ada" });
      expect(await store.get(created.id)).to.deep.include({ data: { user: "ada" } });
    } finally {
      await store.close();
    }
  });

  it("cutOff: open connections are closed and new ones refused, until heal", async () => {
    const open = await openConnection(port("valkey"));
    await set.cutOff("valkey");
    await set.cutOff("dynamodb");
    await open.closed;
    expect((await exchange(port("valkey"), PING, SILENCE_MS)).error).to.equal("ECONNREFUSED");
    expect((await exchange(port("dynamodb"), "GET / HTTP/1.1\r\n\r\n", SILENCE_MS)).error).to.equal(
      "ECONNREFUSED",
    );
    await set.heal("valkey");
    await set.heal("dynamodb");
    expect((await exchange(port("valkey"), PING, SILENCE_MS)).reply).to.equal("+PONG\r\n");
  });

  it("blackHole: the connection is accepted and nothing answers, until heal", async () => {
    await set.blackHole("valkey");
    await set.blackHole("dynamodb");
    const silent = await exchange(port("valkey"), PING, SILENCE_MS);
    expect(silent)
      .to.deep.include({ connected: true, closed: false })
      .and.not.have.property("reply");
    const http = await exchange(port("dynamodb"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", SILENCE_MS);
    expect(http).to.deep.include({ connected: true, closed: false }).and.not.have.property("reply");
    await set.blackHole("valkey"); // twice is the same fault, not a conflict
    await set.heal("valkey");
    await set.heal("dynamodb");
    expect((await exchange(port("valkey"), PING, SILENCE_MS)).reply).to.equal("+PONG\r\n");
  });

  it("loseAnswers: a SET through the proxy is applied on the node, its reply never arrives", async () => {
    const { node, proxy } = await primaryAndProxy();
    const key = await keyOwnedBy(node);
    await set.loseAnswers("valkey");
    try {
      const lost = await exchange(proxy, resp("SET", key, "applied"), SILENCE_MS);
      expect(lost)
        .to.deep.include({ connected: true, closed: false })
        .and.not.have.property("reply");
      const value = await eventually(async () => {
        const v = await respCommand("127.0.0.1", node, ["GET", key]);
        if (v === null) throw new Error("not applied yet");
        return v;
      });
      expect(value).to.equal("applied");
    } finally {
      await set.heal("valkey");
      await respCommand("127.0.0.1", node, ["DEL", key]);
    }
  });

  it("slow(ms): every answer arrives at least ms late; heal makes it prompt again", async () => {
    await set.slow("valkey", 300);
    const late = await exchange(port("valkey"), PING, 2000);
    expect(late.reply).to.equal("+PONG\r\n");
    // libuv's cached loop time lets a timer fire up to 1 ms before the real deadline.
    expect(late.ms).to.be.at.least(299);
    await set.slow("valkey", 100); // a new delay replaces the old
    expect((await exchange(port("valkey"), PING, 2000)).ms).to.be.within(99, 290);
    await set.heal("valkey");
    expect((await exchange(port("valkey"), PING, 2000)).ms).to.be.below(100);
  });

  it("a proxy that cannot be made names its port and who holds it, and leaves nothing behind", async () => {
    const sameName = await failureOf(
      ProxySet.create(env.description, { client: "t", toxiproxyUrl: url, portBase: 24150 }),
    );
    expect(sameName).to.match(
      /app-t-\S+ .*already exists, on 127\.0\.0\.1:241\d\d .*app server "t"/,
    );

    const squatter = createServer();
    await new Promise<void>((ok) => squatter.listen(24203, "127.0.0.1", ok));
    try {
      const held = await failureOf(
        ProxySet.create(env.description, { client: "u", toxiproxyUrl: url, portBase: 24200 }),
      );
      expect(held).to.match(new RegExp(`port 24203 is in use by pid ${process.pid} \\(`));
    } finally {
      await new Promise((ok) => squatter.close(ok));
    }
    const left = Object.keys(await new Toxiproxy(url).getAll());
    expect(left.filter((name) => name.startsWith("app-u-"))).to.deep.equal([]);
    const ephemeral = await failureOf(
      ProxySet.create(env.description, { client: "v", toxiproxyUrl: url, portBase: 40000 }),
    );
    expect(ephemeral).to.match(/port 40000, inside the ephemeral range/);
  });

  it("remove: every proxy of the set is gone and its ports refuse", async () => {
    const gone = await ProxySet.create(env.description, {
      client: "w",
      toxiproxyUrl: url,
      portBase: 24300,
    });
    await gone.remove();
    await gone.remove(); // already gone: still fine
    const names = Object.keys(await new Toxiproxy(url).getAll());
    expect(names.filter((name) => name.startsWith("app-w-"))).to.deep.equal([]);
    expect((await exchange(24300, PING, SILENCE_MS)).error).to.equal("ECONNREFUSED");
  });
});

/** The message a promise rejects with ("created" if it resolves). */
function failureOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "created",
    (e: Error) => e.message,
  );
}
