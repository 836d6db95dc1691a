import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Toxiproxy } from "toxiproxy-node-client";
import type { EnvironmentDescription } from "../../lab/Environment";
import { type ProxyDescription, startFaultProxy } from "../../lab/FaultProxy";
import { LocalEnvironment } from "../../lab/LocalEnvironment";
import { ProxySet } from "../../lab/ProxySet";
import { ToxiproxyServer } from "../../toxiproxy/ToxiproxyServer";
import { type LocalEnv, localEnv } from "../service/localEnv";

/** The environment's own proxies, moved to ports of this test. */
function ownProxies(env: EnvironmentDescription, base: number): ProxyDescription[] {
  return (env.toxiproxy?.proxies ?? []).map((p, i) => ({ ...p, listen: `127.0.0.1:${base + i}` }));
}

describe("an environment on an external fault proxy (TOXIPROXY_URL) cleans up after itself", () => {
  let shared: LocalEnv;
  let server: ToxiproxyServer;

  before(async () => {
    shared = await localEnv();
    server = await ToxiproxyServer.start({ host: "127.0.0.1", port: 24500 });
  });
  after(async () => {
    await server?.close();
    await shared?.release();
  });

  it("stop removes its proxies and those left to its servers, and nothing else", async () => {
    const proxies = ownProxies(shared.description, 24510);
    const toxiproxy = await startFaultProxy(
      { host: "127.0.0.1", apiPort: 0, url: server.url, embeddedScript: "", workDir: "", proxies },
      () => undefined,
    );
    expect(toxiproxy).to.include({ server: "external", pid: undefined });
    // An app server's proxies that a crashed run never removed.
    await ProxySet.create(shared.description, {
      client: "crashed",
      toxiproxyUrl: server.url,
      portBase: 24530,
    });
    const api = new Toxiproxy(server.url);
    await api.createProxy({
      name: "someone-else",
      listen: "127.0.0.1:24540",
      upstream: "127.0.0.1:1",
    });
    // Attached without processes or folder: stop() has only the proxies to remove.
    const env = LocalEnvironment.attach({
      ...shared.description,
      valkey: {
        ...shared.description.valkey,
        nodes: shared.description.valkey.nodes.map(({ pid: _, ...n }) => n),
      },
      dynamodb: { ...shared.description.dynamodb, pid: undefined },
      toxiproxy,
      workDir: undefined,
    });
    await env.stop();
    expect(Object.keys(await api.getAll())).to.deep.equal(["someone-else"]);
  });

  it("env:up on a port another proxy holds names that proxy, not a bare status code", async () => {
    // The last of them wants 24540, which "someone-else" holds.
    const proxies = ownProxies(shared.description, 24540 - 6);
    const failure = await startFaultProxy(
      { host: "127.0.0.1", apiPort: 0, url: server.url, embeddedScript: "", workDir: "", proxies },
      () => undefined,
    ).then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(failure).to.match(
      /cannot create proxy \S+ on 127\.0\.0\.1:24540 on the fault proxy at .*: port 24540 is held by proxy someone-else, to 127\.0\.0\.1:1/,
    );
  });
});
