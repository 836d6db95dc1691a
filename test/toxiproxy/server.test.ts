import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { expect } from "chai";
import { Toxiproxy } from "toxiproxy-node-client";
import { ToxiproxyServer } from "../../toxiproxy/ToxiproxyServer";
import { connectTo, Received, Upstream } from "./fixtures";

describe("ToxiproxyServer", { timeout: 20_000 }, () => {
  it("listens on a free loopback port and reports its URL", async () => {
    const server = await ToxiproxyServer.start({ port: 0 });
    try {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.parse(await new Toxiproxy(server.url).getVersion())).to.have.property("version");
    } finally {
      await server.close();
    }
  });

  it("close() closes the API, every proxy listener and every connection, and may be repeated", async () => {
    const upstream = await Upstream.start();
    const server = await ToxiproxyServer.start({ port: 0 });
    try {
      const client = new Toxiproxy(server.url);
      const proxy = await client.createProxy({
        name: "closing",
        listen: "127.0.0.1:0",
        upstream: upstream.address,
      });
      await proxy.addToxic({
        name: "held",
        type: "timeout",
        stream: "upstream",
        toxicity: 1,
        attributes: { timeout: 0 },
      });
      const open = new Received(await connectTo(proxy.listen));

      await server.close();
      await server.close();

      await open.closed;
      await expectRejected(connectTo(proxy.listen));
      await expectRejected(client.getAll());
    } finally {
      await upstream.close();
    }
  });
});

describe("scripts/toxiproxy-server.ts", { timeout: 20_000 }, () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints {url, pid} once listening and exits cleanly on ${signal}`, async () => {
      const child = spawn(
        process.execPath,
        ["--require", "ts-node/register", "scripts/toxiproxy-server.ts", "--port", "0"],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
        const started = JSON.parse(line) as { url: string; pid: number };
        expect(started.pid).to.equal(child.pid);
        expect(started.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(await new Toxiproxy(started.url).getVersion()).to.contain("version");

        const exited = once(child, "exit");
        child.kill(signal);
        expect(await exited).to.deep.equal([0, null]);
      } finally {
        stop(child);
      }
    });
  }
});

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

async function expectRejected(call: Promise<unknown>): Promise<void> {
  let failure: unknown;
  try {
    const value = await call;
    if (value !== null && typeof value === "object" && "destroy" in value) {
      (value as { destroy(): void }).destroy();
    }
  } catch (error) {
    failure = error;
  }
  expect(failure).to.be.instanceOf(Error);
}
