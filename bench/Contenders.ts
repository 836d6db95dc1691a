import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { KeyvDynamo } from "@keyv/dynamo";
import KeyvValkey from "@keyv/valkey";
import { GlideClusterClient } from "@valkey/valkey-glide";
import { Cacheable } from "cacheable";
import { Cluster } from "iovalkey";
import { Keyv } from "keyv";
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoClient } from "../lab/DynamoDbLocal";
import {
  addressResolverOf,
  HybridSessionStore,
  type HybridSessionStoreConfig,
  parseAddress,
} from "../store";
import type { InProcessFaultProxy } from "./InProcessFaultProxy";

/** The DynamoDB table the layered-cache peer writes to (its own schema: `id` hash key). */
export const PEER_TABLE = "keyv-bench";
/** Prefix of every cache key the bench writes, apart from the peer's (which Keyv prefixes itself). */
export const BENCH_PREFIX = "bench:";

/** Everything the workloads drive, built from the environment's store configuration. */
export interface Contenders {
  /** The store under test, straight to the nodes. */
  store: HybridSessionStore;
  /** A second store used only by the stampede row, so its counters see nothing else. */
  stampedeStore: HybridSessionStore;
  /** Raw GLIDE, the floor for cache operations. */
  glide: GlideClusterClient;
  /** Raw DynamoDB, the floor for durable operations. */
  dynamo: DynamoDBClient;
  /** The layered cache the store is compared with. */
  peer: Cacheable;
  /** The store and raw GLIDE through one fault proxy per node (when the proxies could start). */
  proxied?: { store: HybridSessionStore; glide: GlideClusterClient };
  close(): Promise<void>;
}

export async function buildContenders(
  config: HybridSessionStoreConfig,
  proxies: InProcessFaultProxy | undefined,
): Promise<Contenders> {
  const closers: (() => unknown)[] = [];
  const keep = <T>(resource: T, close: (r: T) => unknown): T => {
    closers.push(() => close(resource));
    return resource;
  };
  const closeAll = async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    const storeConfig = { ...config, keyPrefix: BENCH_PREFIX };
    // The store first: it configures GLIDE's logger (off), which the raw clients share.
    const store = keep(await HybridSessionStore.connect(storeConfig), (s) => s.close());
    const stampedeStore = keep(await HybridSessionStore.connect(storeConfig), (s) => s.close());
    const glide = keep(
      await GlideClusterClient.createClient({
        addresses: config.valkey.addresses,
        addressResolver: addressResolverOf(config.valkey),
        clientName: "bench-raw",
      }),
      (c) => c.close(),
    );
    const endpoint = config.dynamodb.endpoint ?? "";
    const dynamo = keep(localDynamoClient(endpoint), (c) => c.destroy());
    await ensurePeerTable(dynamo);
    const peer = keep(buildPeer(config, endpoint), (p) => p.disconnect());
    let proxied: Contenders["proxied"];
    if (proxies) {
      const proxiedStore = keep(
        await HybridSessionStore.connect({
          ...storeConfig,
          valkey: { ...config.valkey, addressMap: proxies.addressMap },
        }),
        (s) => s.close(),
      );
      const proxiedGlide = keep(
        await GlideClusterClient.createClient({
          addresses: config.valkey.addresses,
          addressResolver: (host, port) => proxies.resolve(host, port),
          clientName: "bench-proxied",
        }),
        (c) => c.close(),
      );
      proxied = { store: proxiedStore, glide: proxiedGlide };
    }
    return { store, stampedeStore, glide, dynamo, peer, proxied, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The peer as its READMEs document it: Keyv over @keyv/valkey in cluster mode (an iovalkey
 * Cluster, without Redis sets, which a cluster cannot update atomically) in front of Keyv over
 * @keyv/dynamo with its own table. No in-memory layer, like the store.
 */
function buildPeer(config: HybridSessionStoreConfig, endpoint: string): Cacheable {
  const natMap = Object.fromEntries(
    Object.entries(config.valkey.addressMap ?? {}).map(([from, to]) => [from, parseAddress(to)]),
  );
  const cluster = new Cluster(
    config.valkey.addresses.map(({ host, port }) => ({ host, port })),
    { natMap },
  );
  const primary = new Keyv({ store: new KeyvValkey(cluster, { useRedisSets: false }) });
  const secondary = new Keyv({
    store: new KeyvDynamo({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      tableName: PEER_TABLE,
    }),
  });
  return new Cacheable({ primary, secondary });
}

/** Creates the peer's table (the schema @keyv/dynamo expects) unless it exists. */
async function ensurePeerTable(dynamo: DynamoDBClient): Promise<void> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: PEER_TABLE }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await dynamo.send(
    new CreateTableCommand({
      TableName: PEER_TABLE,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: PEER_TABLE });
}
