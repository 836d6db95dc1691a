import { type ToxicDirection, type ToxicType, Toxiproxy } from "toxiproxy-node-client";
import type { HybridSessionStoreConfig } from "../store";
import type { EnvironmentDescription } from "./Environment";
import { addressMapOf, type ProxyDescription, proxiedSeeds } from "./FaultProxy";
import { assertNotEphemeral, explainProxyFailure } from "./proxyConflicts";

/** Which of the store's two back ends a fault acts on. */
export type StoreName = ProxyDescription["store"];

export interface ProxySetOptions {
  /** Whom the proxies serve, e.g. app server "a": they are named `app-<client>-valkey-<port>` and `app-<client>-dynamodb`. */
  client: string;
  /** The Toxiproxy API the proxies are made on, e.g. "http://127.0.0.1:8474". */
  toxiproxyUrl: string;
  /**
   * Listen port of the first proxy: the Valkey nodes' proxies listen on portBase, portBase + 1, ...
   * (nodes in port order), DynamoDB's on the next one. All must lie below 32768.
   */
  portBase: number;
  /** Address the proxies listen on. Default: "127.0.0.1". */
  host?: string;
}

/** Names Toxiproxy gives toxics by default (`<type>_<stream>`), for the faults this set makes. */
type ToxicName = `${ToxicType}_${ToxicDirection}`;

/**
 * One client's own network path to every server: a proxy per Valkey node and one for DynamoDB, on
 * a Toxiproxy. Faults made here reach that client only, so many app servers can see many networks.
 * Each fault class is what a client sees at the TCP level:
 * - `cutOff`: the proxy disabled: new connections refused, open ones closed.
 * - `blackHole`: connections accepted, requests dropped before the server: nothing is ever answered.
 * - `loseAnswers`: requests reach the server and are applied; the answers are dropped on the way back.
 * - `slow(ms)`: every answer arrives `ms` milliseconds late.
 * A dropped byte corrupts a stream, so healing `blackHole` or `loseAnswers` closes the connections
 * they held (Toxiproxy's cleanup of its timeout toxic), as a real peer's reconnect would.
 */
export class ProxySet {
  private readonly api: Toxiproxy;

  private constructor(
    readonly client: string,
    readonly toxiproxyUrl: string,
    readonly proxies: readonly ProxyDescription[],
    /** This client's store configuration: seeds and every node address through its proxies. */
    readonly storeConfig: HybridSessionStoreConfig,
  ) {
    this.api = new Toxiproxy(toxiproxyUrl);
  }

  /** Makes every proxy of the set, enabled; if one cannot be made, removes those that were. */
  static async create(env: EnvironmentDescription, options: ProxySetOptions): Promise<ProxySet> {
    const { client, toxiproxyUrl, portBase } = options;
    const host = options.host ?? "127.0.0.1";
    if (!/^[a-z0-9][a-z0-9-]*$/.test(client)) {
      throw new Error(`a proxy set's client is a lowercase name (a-z, 0-9, -), not "${client}"`);
    }
    const dynamoEndpoint = env.dynamodb.endpoint;
    if (!dynamoEndpoint?.startsWith("http://")) {
      throw new Error(
        `proxies need a local environment: DynamoDB (${dynamoEndpoint ?? env.dynamodb.region}) cannot be proxied over plain TCP`,
      );
    }
    const nodes = [...env.valkey.nodes].sort((a, b) => a.port - b.port);
    const proxies: ProxyDescription[] = [
      ...nodes.map((node, i) => ({
        name: `app-${client}-valkey-${node.port}`,
        listen: `${host}:${portBase + i}`,
        upstream: `${node.host}:${node.port}`,
        ...(env.valkey.announcedHost
          ? { announced: `${env.valkey.announcedHost}:${node.port}` }
          : {}),
        store: "valkey" as const,
      })),
      {
        name: `app-${client}-dynamodb`,
        listen: `${host}:${portBase + nodes.length}`,
        upstream: new URL(dynamoEndpoint).host,
        store: "dynamodb" as const,
      },
    ];
    for (const [i] of proxies.entries()) assertNotEphemeral(portBase + i, `app-${client}'s proxy`);
    const dynamo = proxies[proxies.length - 1] as ProxyDescription;
    const storeConfig: HybridSessionStoreConfig = {
      ...env.storeConfig,
      valkey: {
        ...env.storeConfig.valkey,
        addresses: proxiedSeeds(env.valkey.seeds, proxies),
        addressMap: addressMapOf(proxies),
      },
      dynamodb: { ...env.storeConfig.dynamodb, endpoint: `http://${dynamo.listen}` },
    };
    const set = new ProxySet(client, toxiproxyUrl, proxies, storeConfig);
    const made = await Promise.allSettled(
      proxies.map(({ name, listen, upstream }) =>
        set.api.createProxy({ name, listen, upstream, enabled: true }),
      ),
    );
    const failed = made.findIndex((m) => m.status === "rejected");
    if (failed >= 0) {
      const reason = (made[failed] as PromiseRejectedResult).reason;
      const message = await explainProxyFailure(
        toxiproxyUrl,
        proxies[failed] as ProxyDescription,
        reason,
      );
      await Promise.allSettled(
        made.map((m) => (m.status === "fulfilled" ? m.value.remove() : undefined)),
      );
      throw new Error(message, { cause: reason });
    }
    return set;
  }

  /** The proxies to one store. */
  of(store: StoreName): ProxyDescription[] {
    return this.proxies.filter((p) => p.store === store);
  }

  /** New connections refused and open ones closed: the proxy is disabled ("down" in Toxiproxy). */
  async cutOff(store: StoreName): Promise<void> {
    await this.each(store, async (name) => {
      const proxy = await this.api.get(name);
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    });
  }

  /** Connections accepted, requests never reach the server, nothing answered (timeout 0, upstream). */
  async blackHole(store: StoreName): Promise<void> {
    await this.toxic(store, "timeout", "upstream", { timeout: 0 });
  }

  /** Requests reach the server and are applied; their answers never arrive (timeout 0, downstream). */
  async loseAnswers(store: StoreName): Promise<void> {
    await this.toxic(store, "timeout", "downstream", { timeout: 0 });
  }

  /** Every answer arrives `ms` milliseconds late (latency, downstream, no jitter). */
  async slow(store: StoreName, ms: number): Promise<void> {
    await this.toxic(store, "latency", "downstream", { latency: ms, jitter: 0 });
  }

  /** The store's proxies enabled again, every toxic on them removed. */
  async heal(store: StoreName): Promise<void> {
    await this.each(store, async (name) => {
      for (const toxic of await this.toxicNames(name))
        await (await (await this.api.get(name)).getToxic(toxic)).remove();
      const proxy = await this.api.get(name);
      if (!proxy.enabled)
        await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    });
  }

  /** Deletes every proxy of the set; one already gone counts as removed. */
  async remove(): Promise<void> {
    const existing = await this.api.getAll();
    await Promise.all(this.proxies.map(({ name }) => existing[name]?.remove()));
  }

  /** Adds the toxic to every proxy of `store`, or updates it where this fault is already on. */
  private async toxic(
    store: StoreName,
    type: ToxicType,
    stream: ToxicDirection,
    attributes: object,
  ): Promise<void> {
    const name: ToxicName = `${type}_${stream}`;
    await this.each(store, async (proxyName) => {
      const proxy = await this.api.get(proxyName);
      if ((await this.toxicNames(proxyName)).includes(name))
        await (await proxy.getToxic(name)).update({ name, type, stream, toxicity: 1, attributes });
      else await proxy.addToxic({ name, type, stream, toxicity: 1, attributes });
    });
  }

  /** The client drops a proxy's toxics from its answers; the API lists them. */
  private async toxicNames(proxy: string): Promise<string[]> {
    const { data } = await this.api.api.get(`${this.toxiproxyUrl}/proxies/${proxy}/toxics`);
    return (data as { name: string }[]).map((t) => t.name);
  }

  private async each(store: StoreName, act: (name: string) => Promise<unknown>): Promise<void> {
    await Promise.all(this.of(store).map(({ name }) => act(name)));
  }
}
