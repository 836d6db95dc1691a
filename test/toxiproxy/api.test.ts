import { after, afterEach, before, describe, it } from "node:test";
import { expect } from "chai";
import type { ICreateToxicBody, Latency, Toxiproxy } from "toxiproxy-node-client";
import type { ToxiproxyServer } from "../../toxiproxy/ToxiproxyServer";
import {
  connectTo,
  Received,
  removeAllProxies,
  request,
  startToxiproxy,
  Upstream,
} from "./fixtures";

/** A create body with only some fields, to check the server's defaults for the rest. */
function partialToxic<T>(body: Partial<ICreateToxicBody<T>>): ICreateToxicBody<T> {
  return body as ICreateToxicBody<T>;
}

describe("Toxiproxy HTTP API", { timeout: 20_000 }, () => {
  let server: ToxiproxyServer;
  let client: Toxiproxy;
  let upstream: Upstream;

  before(async () => {
    ({ server, client } = await startToxiproxy());
    upstream = await Upstream.start();
  });
  afterEach(() => removeAllProxies(client));
  after(async () => {
    await server.close();
    await upstream.close();
  });

  const createEchoProxy = (name: string, enabled = true) =>
    client.createProxy({ name, listen: "127.0.0.1:0", upstream: upstream.address, enabled });

  async function roundTrip(listen: string, text = "ping"): Promise<string> {
    const received = new Received(await connectTo(listen));
    received.socket.write(text);
    const echoed = await received.untilBytes(text.length);
    received.socket.destroy();
    return echoed.toString();
  }

  describe("GET /version", () => {
    it("answers Toxiproxy's version document", async () => {
      const version = JSON.parse(await client.getVersion());
      expect(version.version).to.match(/^2\.\d+\.\d+$/);
      const raw = await request(`${server.url}/version`, "GET");
      expect(raw.contentType).to.equal("application/json;charset=utf-8");
    });
  });

  describe("proxies", () => {
    it("creates an enabled proxy listening on a resolved port, that forwards both ways", async () => {
      const proxy = await createEchoProxy("echo");
      expect(proxy.toJson()).to.include({
        name: "echo",
        upstream: upstream.address,
        enabled: true,
      });
      expect(proxy.listen)
        .to.match(/^127\.0\.0\.1:\d+$/)
        .and.not.equal("127.0.0.1:0");
      expect(await roundTrip(proxy.listen)).to.equal("ping");
    });

    it("answers 201 with the proxy and its toxics, resolving localhost as Go does", async () => {
      const body = { name: "raw", listen: "localhost:0", upstream: upstream.address };
      const raw = await request(`${server.url}/proxies`, "POST", JSON.stringify(body));
      expect(raw.status).to.equal(201);
      expect(raw.contentType).to.equal("application/json");
      const json = JSON.parse(raw.text);
      expect(json).to.deep.include({ name: "raw", enabled: true, toxics: [] });
      expect(json.listen).to.match(/^127\.0\.0\.1:\d+$/);
    });

    it("creates a disabled proxy that does not listen", async () => {
      const proxy = await createEchoProxy("idle", false);
      expect(proxy.enabled).to.equal(false);
      expect(proxy.listen).to.equal("127.0.0.1:0");
    });

    it("refuses a second proxy of the same name with 409", async () => {
      await createEchoProxy("twice");
      const body = JSON.stringify({ name: "twice", listen: "127.0.0.1:0", upstream: "x:1" });
      const raw = await request(`${server.url}/proxies`, "POST", body);
      expect(raw.status).to.equal(409);
      expect(raw.contentType).to.equal("text/plain; charset=utf-8");
      expect(JSON.parse(raw.text)).to.deep.equal({ error: "proxy already exists", status: 409 });
      await expectStatus(createEchoProxy("twice"), 409);
    });

    it("answers 400 to bodies without name or upstream, unreadable or mistyped", async () => {
      const cases: Array<[string, string]> = [
        [
          JSON.stringify({ listen: "127.0.0.1:0", upstream: "a:1" }),
          "missing required field: name",
        ],
        [JSON.stringify({ name: "n", listen: "127.0.0.1:0" }), "missing required field: upstream"],
        ["", "bad request body: EOF"],
        ["{not json", "bad request body: "],
        [JSON.stringify({ name: 7, upstream: "a:1" }), "bad request body: json: cannot unmarshal"],
        [JSON.stringify([1]), "bad request body: json: cannot unmarshal array"],
      ];
      for (const [body, message] of cases) {
        const raw = await request(`${server.url}/proxies`, "POST", body);
        expect(raw.status, body).to.equal(400);
        const json = JSON.parse(raw.text);
        expect(json.status).to.equal(400);
        expect(json.error).to.satisfy((error: string) => error.startsWith(message), body);
      }
    });

    it("answers 500 when the listen address is taken", async () => {
      const raw = await request(
        `${server.url}/proxies`,
        "POST",
        JSON.stringify({ name: "taken", listen: upstream.address, upstream: upstream.address }),
      );
      expect(raw.status).to.equal(500);
      expect(JSON.parse(raw.text).error).to.contain("address already in use");
      await expectStatus(client.get("taken"), 404);
    });

    it("shows one proxy, and lists all by name", async () => {
      await createEchoProxy("b");
      await createEchoProxy("a");
      expect((await client.get("a")).name).to.equal("a");
      expect(Object.keys(await client.getAll())).to.have.members(["a", "b"]);
      const raw = JSON.parse((await request(`${server.url}/proxies`, "GET")).text);
      expect(raw.a).to.deep.include({ name: "a", enabled: true, toxics: [] });
    });

    it("answers 404 for every route of an unknown proxy", async () => {
      const notFound = { error: "proxy not found", status: 404 };
      for (const [method, path] of [
        ["GET", "/proxies/nope"],
        ["POST", "/proxies/nope"],
        ["PATCH", "/proxies/nope"],
        ["DELETE", "/proxies/nope"],
        ["GET", "/proxies/nope/toxics"],
        ["POST", "/proxies/nope/toxics"],
        ["GET", "/proxies/nope/toxics/t"],
        ["DELETE", "/proxies/nope/toxics/t"],
      ] as const) {
        const raw = await request(
          `${server.url}${path}`,
          method,
          method === "GET" ? undefined : "{}",
        );
        expect(raw.status, `${method} ${path}`).to.equal(404);
        expect(JSON.parse(raw.text)).to.deep.equal(notFound);
      }
      await expectStatus(client.get("nope"), 404);
    });

    it("disabling closes open connections and refuses new ones; enabling listens again", async () => {
      const proxy = await createEchoProxy("switch");
      const open = new Received(await connectTo(proxy.listen));
      open.socket.write("x");
      await open.untilBytes(1);

      const disabled = await proxy.update({ ...proxy.toJson(), enabled: false });
      expect(disabled.enabled).to.equal(false);
      expect(disabled.listen).to.equal(proxy.listen);
      await open.closed;
      await expectRefused(proxy.listen);
      expect((await client.get("switch")).enabled).to.equal(false);

      const enabled = await disabled.update({ ...disabled.toJson(), enabled: true });
      expect(enabled.toJson()).to.deep.equal(proxy.toJson());
      expect(await roundTrip(proxy.listen)).to.equal("ping");
    });

    it("updates with PATCH too, keeping fields the body leaves out", async () => {
      const proxy = await createEchoProxy("patched");
      const path = `${server.url}/proxies/patched`;
      const off = await request(path, "PATCH", JSON.stringify({ enabled: false }));
      expect(off.status).to.equal(200);
      expect(JSON.parse(off.text)).to.deep.include({
        listen: proxy.listen,
        upstream: upstream.address,
        enabled: false,
        toxics: [],
      });
      const bad = await request(path, "PATCH", JSON.stringify({ enabled: "yes" }));
      expect(bad.status).to.equal(400);
    });

    it("moving a proxy to another upstream closes its connections and forwards to the new one", async () => {
      const other = await Upstream.start((socket) => socket.end("other"));
      try {
        const proxy = await createEchoProxy("moved");
        const open = new Received(await connectTo(proxy.listen));
        const moved = await proxy.update({ ...proxy.toJson(), upstream: other.address });
        expect(moved.upstream).to.equal(other.address);
        expect(moved.listen).to.equal(proxy.listen);
        await open.closed;
        const fresh = new Received(await connectTo(proxy.listen));
        expect((await fresh.untilBytes(5)).toString()).to.equal("other");
        fresh.socket.destroy();
      } finally {
        await other.close();
      }
    });

    it("deletes a proxy with 204: it stops listening and is gone", async () => {
      const proxy = await createEchoProxy("doomed");
      const open = new Received(await connectTo(proxy.listen));
      const raw = await request(`${server.url}/proxies/doomed`, "DELETE");
      expect(raw).to.include({ status: 204, text: "" });
      await open.closed;
      await expectRefused(proxy.listen);
      await expectStatus(client.get("doomed"), 404);
    });

    it("closes a connection whose upstream refuses it", async () => {
      const gone = await Upstream.start();
      const address = gone.address;
      await gone.close();
      const proxy = await client.createProxy({
        name: "dangling",
        listen: "127.0.0.1:0",
        upstream: address,
      });
      const received = new Received(await connectTo(proxy.listen));
      await received.closed;
      expect(received.bytes.length).to.equal(0);
    });
  });

  describe("POST /populate", () => {
    it("creates the proxies listed, enabled unless told otherwise, and answers 201", async () => {
      const proxies = await client.populate([
        { name: "p1", listen: "127.0.0.1:0", upstream: upstream.address },
        { name: "p2", listen: "127.0.0.1:0", upstream: upstream.address, enabled: false },
      ]);
      expect(proxies.p1?.enabled).to.equal(true);
      expect(proxies.p2?.enabled).to.equal(false);
      expect(await roundTrip(proxies.p1?.listen ?? "")).to.equal("ping");

      const body = JSON.stringify([
        { name: "p3", listen: "127.0.0.1:0", upstream: upstream.address },
      ]);
      const raw = await request(`${server.url}/populate`, "POST", body);
      expect(raw.status).to.equal(201);
      expect(JSON.parse(raw.text).proxies[0]).to.deep.include({ name: "p3", toxics: [] });
    });

    it("keeps a proxy whose addresses are unchanged, toxics included, and replaces one that changed", async () => {
      const kept = await createEchoProxy("kept");
      await kept.addToxic({ ...latency(1), name: "slow" });
      const replaced = await createEchoProxy("replaced");
      await replaced.addToxic({ ...latency(1), name: "slow" });
      const other = await Upstream.start();
      try {
        await client.populate([
          { name: "kept", listen: kept.listen, upstream: upstream.address },
          { name: "replaced", listen: "127.0.0.1:0", upstream: other.address },
        ]);
        expect((await kept.getToxic("slow")).name).to.equal("slow");
        await expectStatus(replaced.getToxic("slow"), 404);
        expect((await client.get("replaced")).upstream).to.equal(other.address);
      } finally {
        await other.close();
      }
    });

    it("checks every entry before creating any: 400 names the entry", async () => {
      const body = JSON.stringify([
        { name: "fine", listen: "127.0.0.1:0", upstream: upstream.address },
        { listen: "127.0.0.1:0", upstream: upstream.address },
      ]);
      const raw = await request(`${server.url}/populate`, "POST", body);
      expect(raw.status).to.equal(400);
      expect(JSON.parse(raw.text)).to.deep.equal({
        error: "missing required field: name at proxy 2",
        status: 400,
      });
      expect(await client.getAll()).to.deep.equal({});
      const notAList = await request(`${server.url}/populate`, "POST", "{}");
      expect(notAList.status).to.equal(400);
    });

    it("reports the proxies made before a failure with the error and its status", async () => {
      const body = JSON.stringify([
        { name: "first", listen: "127.0.0.1:0", upstream: upstream.address },
        { name: "clash", listen: upstream.address, upstream: upstream.address },
      ]);
      const raw = await request(`${server.url}/populate`, "POST", body);
      expect(raw.status).to.equal(500);
      const json = JSON.parse(raw.text);
      expect(json.status).to.equal(500);
      expect(json.error).to.contain("address already in use");
      expect(json.proxies.map((proxy: { name: string }) => proxy.name)).to.deep.equal(["first"]);
    });
  });

  describe("POST /reset", () => {
    it("enables every proxy and removes every toxic, answering 204", async () => {
      const on = await createEchoProxy("on");
      await on.addToxic(latency(10));
      const off = await createEchoProxy("off");
      await off.update({ ...off.toJson(), enabled: false });

      const raw = await request(`${server.url}/reset`, "POST");
      expect(raw).to.include({ status: 204, text: "" });
      await client.reset();

      expect((await client.get("off")).enabled).to.equal(true);
      expect(await roundTrip(off.listen)).to.equal("ping");
      const listed = JSON.parse((await request(`${server.url}/proxies/on/toxics`, "GET")).text);
      expect(listed).to.deep.equal([]);
    });
  });

  describe("toxics", () => {
    it("defaults to stream downstream, toxicity 1 and the name <type>_<stream>", async () => {
      const proxy = await createEchoProxy("defaults");
      const toxic = await proxy.addToxic(
        partialToxic<Latency>({ type: "latency", attributes: { latency: 5, jitter: 0 } }),
      );
      expect(toxic.toJson()).to.deep.equal({
        name: "latency_downstream",
        type: "latency",
        stream: "downstream",
        toxicity: 1,
        attributes: { latency: 5, jitter: 0 },
      });
      const upstreamToxic = await proxy.addToxic(
        partialToxic({ type: "timeout", stream: "upstream" }),
      );
      expect(upstreamToxic.toJson()).to.deep.include({
        name: "timeout_upstream",
        attributes: { timeout: 0 },
      });
    });

    it("answers a new toxic with 200 and lists upstream toxics before downstream ones", async () => {
      await createEchoProxy("listed");
      const path = `${server.url}/proxies/listed/toxics`;
      const down = await request(
        path,
        "POST",
        JSON.stringify({ type: "slow_close", attributes: { delay: 1 } }),
      );
      expect(down.status).to.equal(200);
      await request(path, "POST", JSON.stringify({ type: "bandwidth", stream: "upstream" }));
      const listed = JSON.parse((await request(path, "GET")).text);
      expect(listed.map((toxic: { name: string }) => toxic.name)).to.deep.equal([
        "bandwidth_upstream",
        "slow_close_downstream",
      ]);
      const proxy = JSON.parse((await request(`${server.url}/proxies/listed`, "GET")).text);
      expect(proxy.toxics).to.deep.equal(listed);
    });

    it("shows, updates (POST or PATCH, partially) and deletes a toxic", async () => {
      const proxy = await createEchoProxy("edited");
      await proxy.addToxic({ ...latency(100), name: "lag", toxicity: 0.5 });
      const shown = await proxy.getToxic<Latency>("lag");
      expect(shown.attributes).to.deep.equal({ latency: 100, jitter: 0 });

      const updated = await shown.update({
        ...shown.toJson(),
        attributes: { latency: 50, jitter: 5 },
      });
      expect(updated.toJson()).to.deep.include({
        toxicity: 0.5,
        attributes: { latency: 50, jitter: 5 },
      });

      const path = `${server.url}/proxies/edited/toxics/lag`;
      const patched = await request(
        path,
        "PATCH",
        JSON.stringify({ toxicity: 1, attributes: { jitter: 0 } }),
      );
      expect(patched.status).to.equal(200);
      expect(JSON.parse(patched.text)).to.deep.include({
        toxicity: 1,
        attributes: { latency: 50, jitter: 0 },
      });

      await updated.remove();
      await expectStatus(proxy.getToxic("lag"), 404);
      const deleted = await request(`${server.url}/proxies/edited/toxics/lag`, "DELETE");
      expect(JSON.parse(deleted.text)).to.deep.equal({ error: "toxic not found", status: 404 });
      const notFound = await request(path, "PATCH", "");
      expect(notFound.status).to.equal(404);
    });

    it("refuses a duplicate name in either stream with 409", async () => {
      const proxy = await createEchoProxy("dupes");
      await proxy.addToxic({ ...latency(1), name: "same" });
      const raw = await request(
        `${server.url}/proxies/dupes/toxics`,
        "POST",
        JSON.stringify({ name: "same", type: "timeout", stream: "upstream" }),
      );
      expect(raw.status).to.equal(409);
      expect(JSON.parse(raw.text)).to.deep.equal({ error: "toxic already exists", status: 409 });
    });

    it("answers 400 to an unknown type or stream and to mistyped fields", async () => {
      await createEchoProxy("strict");
      const path = `${server.url}/proxies/strict/toxics`;
      const cases: Array<[unknown, string]> = [
        [{ type: "meteor" }, "invalid toxic type"],
        [
          { type: "latency", stream: "sideways" },
          "stream was invalid, can be either upstream or downstream",
        ],
        [
          { type: "latency", attributes: { latency: "slow" } },
          "bad request body: json: cannot unmarshal",
        ],
        [
          { type: "latency", attributes: { latency: 1.5 } },
          "bad request body: json: cannot unmarshal",
        ],
        [{ type: "latency", attributes: 3 }, "bad request body: json: cannot unmarshal"],
        [{ type: "latency", toxicity: "all" }, "bad request body: json: cannot unmarshal"],
      ];
      for (const [body, message] of cases) {
        const raw = await request(path, "POST", JSON.stringify(body));
        expect(raw.status, JSON.stringify(body)).to.equal(400);
        expect(JSON.parse(raw.text).error).to.satisfy((error: string) => error.startsWith(message));
      }
      const empty = await request(path, "POST", "");
      expect(JSON.parse(empty.text)).to.deep.equal({ error: "bad request body: EOF", status: 400 });
      const listed = JSON.parse((await request(path, "GET")).text);
      expect(listed).to.deep.equal([]);
    });

    it("accepts a stream in any case and echoes it as given", async () => {
      const proxy = await createEchoProxy("cased");
      const toxic = await proxy.addToxic(
        partialToxic({ type: "latency", stream: "UpStream" as "upstream" }),
      );
      expect(toxic.toJson()).to.include({ name: "latency_UpStream", stream: "UpStream" });
    });
  });

  describe("routing", () => {
    it("answers unknown paths with 404, wrong methods with 405, and browsers with 403", async () => {
      const unknown = await request(`${server.url}/nowhere`, "GET");
      expect(unknown).to.include({ status: 404, text: "404 page not found\n" });
      const wrongMethod = await request(`${server.url}/proxies`, "DELETE");
      expect(wrongMethod).to.include({ status: 405, text: "" });
      const browser = await request(`${server.url}/proxies`, "GET", undefined, {
        "User-Agent": "Mozilla/5.0",
      });
      expect(browser).to.include({ status: 403, text: "User agent not allowed\n" });
    });
  });
});

function latency(ms: number): ICreateToxicBody<Latency> {
  return {
    name: `latency_${ms}`,
    type: "latency",
    stream: "downstream",
    toxicity: 1,
    attributes: { latency: ms, jitter: 0 },
  };
}

/** The client hides the body of a failure; its message carries the status code. */
async function expectStatus(call: Promise<unknown>, status: number): Promise<void> {
  let failure: unknown;
  try {
    await call;
  } catch (error) {
    failure = error;
  }
  expect(failure, `expected a ${status} failure`).to.be.instanceOf(Error);
  expect((failure as Error).message).to.equal(`Request failed with status code ${status}`);
}

async function expectRefused(address: string): Promise<void> {
  let failure: unknown;
  try {
    (await connectTo(address)).destroy();
  } catch (error) {
    failure = error;
  }
  expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal("ECONNREFUSED");
}
