import { GlideClusterClient, Logger } from "@valkey/valkey-glide";
import { respCommand } from "../../probe/resp";
import { JOURNAL_BUCKETS, journalKey, type NodeAddress, type Session } from "../../store";

/** A raw cache entry: the bytes the cache holds and the absolute second it expires. */
export interface CacheEntry {
  payload: string;
  /** Epoch seconds (EXPIRETIME); -1 if the key has no expiry. */
  expiresAt: number;
  /** The session the payload holds, or null for a deletion marker. */
  session: Omit<Session, "source"> | null;
}

/**
 * Looks at the cache directly, beside the store under test (its own client, straight to the nodes):
 * to check what the store wrote and to stage evictions. Steps observe; they never write sessions.
 */
export class CacheObserver {
  private constructor(private readonly client: GlideClusterClient) {}

  /** `valkey`: the environment's; a node the cluster names by `announcedHost` is dialled at `host`. */
  static async connect(valkey: {
    seeds: NodeAddress[];
    announcedHost?: string;
  }): Promise<CacheObserver> {
    const { seeds, announcedHost } = valkey;
    const direct = seeds[0]?.host;
    // GLIDE's core logs WARN lines to stdout by default (a MOVED it follows, say): not a scenario's.
    Logger.setLoggerConfig("off");
    const client = await GlideClusterClient.createClient({
      addresses: seeds,
      ...(announcedHost && direct
        ? {
            addressResolver: (host: string, port: number): [string, number] => [
              host === announcedHost ? direct : host,
              port,
            ],
          }
        : {}),
      requestTimeout: 2000,
      clientName: "scenario-observer",
    });
    return new CacheObserver(client);
  }

  async entry(key: string): Promise<CacheEntry | null> {
    const payload = (await this.client.get(key)) as string | null;
    if (payload === null) return null;
    const expiresAt = await this.client.expiretime(key);
    const parsed = JSON.parse(payload) as Omit<Session, "source"> & { deleted?: true };
    return { payload, expiresAt, session: parsed.deleted ? null : parsed };
  }

  /** Drops the key, as the cache does under memory pressure. */
  async evict(key: string): Promise<void> {
    await this.client.del([key]);
  }

  /** Keys under a prefix on every primary (KEYS: scenario data is small and the cluster is ours). */
  /** Writes the shared journal of stores with this key prefix holds (every bucket's hash, summed). */
  async journalLength(keyPrefix: string): Promise<number> {
    const lengths = await Promise.all(
      Array.from({ length: JOURNAL_BUCKETS }, (_, b) =>
        this.client.customCommand(["HLEN", journalKey(keyPrefix, b)]),
      ),
    );
    return lengths.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  async keys(prefix: string): Promise<string[]> {
    const replies = await this.client.customCommand(["KEYS", `${prefix}*`], {
      route: "allPrimaries",
    });
    const perNode = Array.isArray(replies) ? [replies] : Object.values(replies ?? {});
    return perNode.flatMap((keys) => (Array.isArray(keys) ? keys.map(String) : []));
  }

  /** The port of the primary that serves `key`'s slot now. */
  async primaryPortOf(key: string): Promise<number> {
    const slot = Number(
      await this.client.customCommand(["CLUSTER", "KEYSLOT", key], { route: "randomNode" }),
    );
    const ranges = (await this.client.customCommand(["CLUSTER", "SLOTS"], {
      route: "randomNode",
    })) as unknown as [number, number, [string, number, ...unknown[]]][];
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!owner) throw new Error(`no node serves slot ${slot}`);
    return Number(owner[2][1]);
  }

  /** The source ports of the connections named `clientName` on the node at host:port (CLIENT LIST). */
  static async clientPorts(host: string, port: number, clientName: string): Promise<number[]> {
    const list = String(await respCommand(host, port, ["CLIENT", "LIST"]));
    return list
      .split("\n")
      .filter((line) => line.includes(` name=${clientName} `))
      .map((line) => Number(/ addr=[^ ]*:(\d+) /.exec(line)?.[1]));
  }

  /** Milliseconds on the cache's clock (TIME on a primary). */
  async nowMs(): Promise<number> {
    const [seconds, micros] = (await this.client.time({ route: "randomNode" })) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  close(): void {
    this.client.close();
  }
}
