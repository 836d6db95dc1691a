import { type Proxy as ToxiProxy, Toxiproxy } from "toxiproxy-node-client";
import type { NodeAddress } from "../store";
import { ToxiproxyServer } from "../toxiproxy/ToxiproxyServer";

/** Listen port of the proxy in front of node port P: outside the ephemeral range (32768-61000). */
/** Node port + 24000 (31001-31006): clear of the environment's own proxies (+20000), below 32768. */
const proxyPortOf = (nodePort: number): number => 24_000 + nodePort;

/** One Toxiproxy proxy in front of every Valkey node, in a server this process runs. */
export class InProcessFaultProxy {
  private constructor(
    private readonly server: ToxiproxyServer,
    private readonly proxies: ToxiProxy[],
    /** `"host:port"` of each node to the `"host:port"` of its proxy: a store's `valkey.addressMap`. */
    readonly addressMap: Record<string, string>,
  ) {}

  /** `announcedHost`: the host the cluster names its nodes by to clients, when not theirs. */
  static async start(
    nodes: readonly NodeAddress[],
    announcedHost?: string,
  ): Promise<InProcessFaultProxy> {
    const server = await ToxiproxyServer.start({ host: "127.0.0.1", port: 0 });
    try {
      const client = new Toxiproxy(server.url);
      const addressMap: Record<string, string> = {};
      const proxies: ToxiProxy[] = [];
      for (const node of nodes) {
        const listen = `127.0.0.1:${proxyPortOf(node.port)}`;
        const upstream = `${node.host}:${node.port}`;
        proxies.push(await client.createProxy({ name: `valkey-${node.port}`, listen, upstream }));
        addressMap[`${announcedHost ?? node.host}:${node.port}`] = listen;
      }
      return new InProcessFaultProxy(server, proxies, addressMap);
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  /** `[host, port]` of the proxy for a node address, or the address itself when it has none. */
  resolve(host: string, port: number): [string, number] {
    const to = this.addressMap[`${host}:${port}`];
    if (!to) return [host, port];
    const at = to.lastIndexOf(":");
    return [to.slice(0, at), Number(to.slice(at + 1))];
  }

  /** "Down" in Toxiproxy's terms: every proxy disabled, so connections are cut and refused. */
  async setEnabled(enabled: boolean): Promise<void> {
    await Promise.all(
      this.proxies.map((p) => p.update({ enabled, listen: p.listen, upstream: p.upstream })),
    );
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
