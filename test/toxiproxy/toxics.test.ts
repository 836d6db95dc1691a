import type { Socket } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { expect } from "chai";
import type {
  ICreateToxicBody,
  Proxy as ProxyClient,
  ToxicDirection,
  ToxicType,
  Toxiproxy,
} from "toxiproxy-node-client";
import type { ToxiproxyServer } from "../../toxiproxy/ToxiproxyServer";
import {
  connectTo,
  pattern,
  Received,
  removeAllProxies,
  request,
  since,
  startToxiproxy,
  Upstream,
} from "./fixtures";

const streams: readonly ToxicDirection[] = ["upstream", "downstream"];

function toxic(
  type: ToxicType,
  stream: ToxicDirection,
  attributes: Record<string, number>,
  toxicity = 1,
): ICreateToxicBody<Record<string, number>> {
  return { name: `${type}_${stream}`, type, stream, toxicity, attributes };
}

describe("toxics", { timeout: 20_000 }, () => {
  let server: ToxiproxyServer;
  let client: Toxiproxy;
  let echoUpstream: Upstream;
  /** Reads what it is sent and answers nothing. */
  let quietUpstream: Upstream;
  let proxyCount = 0;

  before(async () => {
    ({ server, client } = await startToxiproxy());
    echoUpstream = await Upstream.start();
    quietUpstream = await Upstream.start(() => {});
  });
  afterEach(() => removeAllProxies(client));
  after(async () => {
    await server.close();
    await echoUpstream.close();
    await quietUpstream.close();
  });

  async function proxyTo(upstream: Upstream): Promise<ProxyClient> {
    proxyCount += 1;
    const name = `proxy${proxyCount}`;
    return client.createProxy({ name, listen: "127.0.0.1:0", upstream: upstream.address });
  }

  /**
   * A client connected through a proxy to `upstream`, and the upstream's side of that connection.
   * `upstream` must not be shared by tests running at the same time.
   */
  async function connectThrough(
    proxy: ProxyClient,
    upstream: Upstream,
  ): Promise<{ client: Received; server: Received }> {
    const accepted = upstream.nextConnection();
    const clientSide = new Received(await connectTo(proxy.listen));
    return { client: clientSide, server: new Received(await accepted) };
  }

  /**
   * A connection whose two links are known to be running (a greeting went through), so that toxics
   * changed from now on meet it; what the greeting left in `client` is cleared.
   */
  async function establish(
    proxy: ProxyClient,
    upstream: Upstream,
  ): Promise<{ client: Received; server: Received }> {
    const connection = await connectThrough(proxy, upstream);
    connection.server.socket.write("hi");
    await connection.client.untilBytes(2);
    connection.client.chunks.splice(0);
    return connection;
  }

  /** A connection through a proxy that sends `bytes` to the client as soon as it is accepted. */
  async function greeted(type: ToxicType, attributes: Record<string, number>, bytes: Buffer) {
    const greeter = await Upstream.start((socket: Socket) => socket.write(bytes));
    const proxy = await proxyTo(greeter);
    await proxy.addToxic(toxic(type, "downstream", attributes));
    const start = performance.now();
    const received = new Received(await connectTo(proxy.listen));
    return { received, start, close: () => greeter.close() };
  }

  describe("latency", () => {
    for (const stream of streams) {
      it(`delays ${stream} data by at least the latency`, async () => {
        const proxy = await proxyTo(echoUpstream);
        await proxy.addToxic(toxic("latency", stream, { latency: 200, jitter: 0 }));
        const received = new Received(await connectTo(proxy.listen));
        const start = performance.now();
        received.socket.write("ping");
        expect((await received.untilBytes(4)).toString()).to.equal("ping");
        expect(since(start)).to.be.at.least(190);
        received.socket.destroy();
      });
    }

    it("adds up with the other stream's latency on a round trip", async () => {
      const proxy = await proxyTo(echoUpstream);
      await proxy.addToxic(toxic("latency", "upstream", { latency: 100, jitter: 0 }));
      await proxy.addToxic(toxic("latency", "downstream", { latency: 100, jitter: 0 }));
      const received = new Received(await connectTo(proxy.listen));
      const start = performance.now();
      received.socket.write("ping");
      await received.untilBytes(4);
      expect(since(start)).to.be.at.least(190);
      received.socket.destroy();
    });
  });

  describe("bandwidth", () => {
    it("limits downstream data to the rate in KB/s", async () => {
      // 30 000 bytes at 100 KB/s take 300 ms.
      const { received, start, close } = await greeted("bandwidth", { rate: 100 }, pattern(30_000));
      try {
        expect((await received.untilBytes(30_000)).equals(pattern(30_000))).to.equal(true);
        expect(since(start)).to.be.at.least(290);
      } finally {
        received.socket.destroy();
        await close();
      }
    });

    it("limits upstream data to the rate in KB/s", async () => {
      const proxy = await proxyTo(quietUpstream);
      await proxy.addToxic(toxic("bandwidth", "upstream", { rate: 100 }));
      const { client: clientSide, server: serverSide } = await connectThrough(proxy, quietUpstream);
      const start = performance.now();
      clientSide.socket.write(pattern(30_000));
      expect((await serverSide.untilBytes(30_000)).equals(pattern(30_000))).to.equal(true);
      expect(since(start)).to.be.at.least(290);
      clientSide.socket.destroy();
    });
  });

  describe("slow_close", () => {
    it("delays the close of the upstream's end to the client", async () => {
      const closer = await Upstream.start((socket: Socket) => socket.end("bye"));
      try {
        const proxy = await proxyTo(closer);
        await proxy.addToxic(toxic("slow_close", "downstream", { delay: 300 }));
        const start = performance.now();
        const received = new Received(await connectTo(proxy.listen));
        await received.closed;
        expect(received.bytes.toString()).to.equal("bye");
        expect(since(start)).to.be.at.least(290);
      } finally {
        await closer.close();
      }
    });

    it("delays the close of the client's end to the upstream", async () => {
      const proxy = await proxyTo(quietUpstream);
      await proxy.addToxic(toxic("slow_close", "upstream", { delay: 300 }));
      const { client: clientSide, server: serverSide } = await connectThrough(proxy, quietUpstream);
      clientSide.socket.write("last words");
      await serverSide.untilBytes(10);
      const start = performance.now();
      clientSide.socket.end();
      await serverSide.closed;
      expect(since(start)).to.be.at.least(290);
      await clientSide.closed;
    });
  });

  describe("timeout", () => {
    for (const stream of streams) {
      it(`drops ${stream} data and closes the connection after the timeout`, async () => {
        const proxy = await proxyTo(quietUpstream);
        await proxy.addToxic(toxic("timeout", stream, { timeout: 200 }));
        const { client: clientSide, server: serverSide } = await connectThrough(
          proxy,
          quietUpstream,
        );
        const start = performance.now();
        clientSide.socket.write("lost");
        if (stream === "downstream") serverSide.socket.write("lost too");
        await Promise.all([clientSide.closed, serverSide.closed]);
        expect(since(start)).to.be.at.least(190);
        const dropped = stream === "upstream" ? serverSide : clientSide;
        expect(dropped.bytes.length).to.equal(0);
      });
    }

    it("with timeout 0 holds the connection, silent, until the toxic is removed", async () => {
      const proxy = await proxyTo(quietUpstream);
      const { client: clientSide, server: serverSide } = await establish(proxy, quietUpstream);
      const hold = await proxy.addToxic(toxic("timeout", "upstream", { timeout: 0 }));
      clientSide.socket.write("lost");
      // Several API round trips later the connection is still open: nothing closes it but removal.
      for (let i = 0; i < 5; i++) await proxy.getToxic(hold.name);
      expect(clientSide.isClosed).to.equal(false);
      await hold.remove();
      await Promise.all([clientSide.closed, serverSide.closed]);
      expect(serverSide.bytes.length).to.equal(0);
    });
  });

  describe("reset_peer", () => {
    it("resets the client with ECONNRESET once downstream data arrives", async () => {
      const proxy = await proxyTo(echoUpstream);
      await proxy.addToxic(toxic("reset_peer", "downstream", { timeout: 0 }));
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write("ping");
      await received.closed;
      expect(received.error?.code).to.equal("ECONNRESET");
      expect(received.bytes.length).to.equal(0);
    });

    it("resets both peers the timeout after upstream data arrives", async () => {
      const proxy = await proxyTo(quietUpstream);
      await proxy.addToxic(toxic("reset_peer", "upstream", { timeout: 100 }));
      const { client: clientSide, server: serverSide } = await connectThrough(proxy, quietUpstream);
      const start = performance.now();
      clientSide.socket.write("ping");
      await Promise.all([clientSide.closed, serverSide.closed]);
      expect(since(start)).to.be.at.least(90);
      expect(clientSide.error?.code).to.equal("ECONNRESET");
      expect(serverSide.error?.code).to.equal("ECONNRESET");
      expect(serverSide.bytes.length).to.equal(0);
    });
  });

  describe("slicer", () => {
    const slices = { average_size: 100, size_variation: 20, delay: 2000 };

    it("delivers downstream data intact in several smaller chunks", async () => {
      const { received, close } = await greeted("slicer", slices, pattern(2000));
      try {
        expect((await received.untilBytes(2000)).equals(pattern(2000))).to.equal(true);
        expect(received.chunks.length).to.be.at.least(5);
        expect(Math.max(...received.chunks.map((chunk) => chunk.length))).to.be.below(2000);
      } finally {
        received.socket.destroy();
        await close();
      }
    });

    it("cuts every byte apart, without end, when the sizes are 0", async () => {
      const proxy = await proxyTo(echoUpstream);
      const bytewise = { average_size: 0, size_variation: 0, delay: 0 };
      await proxy.addToxic(toxic("slicer", "upstream", bytewise));
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write(pattern(500));
      expect((await received.untilBytes(500)).equals(pattern(500))).to.equal(true);
      received.socket.destroy();
    });

    it("delivers upstream data intact in several smaller chunks", async () => {
      const proxy = await proxyTo(quietUpstream);
      await proxy.addToxic(toxic("slicer", "upstream", slices));
      const { client: clientSide, server: serverSide } = await connectThrough(proxy, quietUpstream);
      clientSide.socket.write(pattern(2000));
      expect((await serverSide.untilBytes(2000)).equals(pattern(2000))).to.equal(true);
      expect(serverSide.chunks.length).to.be.at.least(5);
      clientSide.socket.destroy();
    });
  });

  describe("limit_data", () => {
    it("closes the connection after the client received that many bytes", async () => {
      const { received, close } = await greeted("limit_data", { bytes: 10 }, pattern(100));
      try {
        await received.closed;
        expect(received.bytes.equals(pattern(10))).to.equal(true);
      } finally {
        await close();
      }
    });

    it("closes the connection after the upstream received that many bytes", async () => {
      const proxy = await proxyTo(quietUpstream);
      await proxy.addToxic(toxic("limit_data", "upstream", { bytes: 10 }));
      const { client: clientSide, server: serverSide } = await connectThrough(proxy, quietUpstream);
      clientSide.socket.write(pattern(100));
      await Promise.all([clientSide.closed, serverSide.closed]);
      expect(serverSide.bytes.equals(pattern(10))).to.equal(true);
    });
  });

  describe("toxicity", () => {
    it("never applies a toxic of toxicity 0", async () => {
      const proxy = await proxyTo(echoUpstream);
      await proxy.addToxic(toxic("timeout", "downstream", { timeout: 0 }, 0));
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write("ping");
      expect((await received.untilBytes(4)).toString()).to.equal("ping");
      received.socket.destroy();
    });
  });

  describe("on open connections", () => {
    it("a toxic added while a connection is open acts on the data sent after", async () => {
      const proxy = await proxyTo(echoUpstream);
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write("free");
      await received.untilBytes(4);
      await proxy.addToxic(toxic("limit_data", "downstream", { bytes: 3 }));
      received.socket.write("limited");
      await received.closed;
      expect(received.bytes.toString()).to.equal("freelim");
    });

    it("removing a toxic sends on at once what it held", async () => {
      const proxy = await proxyTo(echoUpstream);
      const lag = await proxy.addToxic(
        toxic("latency", "downstream", { latency: 60_000, jitter: 0 }),
      );
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write("ping");
      await lag.remove();
      expect((await received.untilBytes(4)).toString()).to.equal("ping");
      received.socket.write("pong");
      expect((await received.untilBytes(8)).toString()).to.equal("pingpong");
      received.socket.destroy();
    });

    it("updating a toxic changes what it does to open connections", async () => {
      const proxy = await proxyTo(echoUpstream);
      const lag = await proxy.addToxic(
        toxic("latency", "upstream", { latency: 60_000, jitter: 0 }),
      );
      const received = new Received(await connectTo(proxy.listen));
      received.socket.write("ping");
      await lag.update({ ...lag.toJson(), attributes: { latency: 0, jitter: 0 } });
      expect((await received.untilBytes(4)).toString()).to.equal("ping");
      received.socket.destroy();
    });

    it("POST /reset removes toxics from open connections (a held timeout closes them)", async () => {
      const proxy = await proxyTo(quietUpstream);
      const { client: clientSide } = await establish(proxy, quietUpstream);
      await proxy.addToxic(toxic("timeout", "upstream", { timeout: 0 }));
      const reset = await request(`${server.url}/reset`, "POST");
      expect(reset.status).to.equal(204);
      await clientSide.closed;
      const fresh = await connectThrough(proxy, quietUpstream);
      fresh.client.socket.write("ping");
      expect((await fresh.server.untilBytes(4)).toString()).to.equal("ping");
      fresh.client.socket.destroy();
    });
  });
});
