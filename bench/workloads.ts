import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { TimeUnit } from "@valkey/valkey-glide";
import { ITEM_ATTRIBUTES, newSessionId, SESSION_TABLE, cacheKey as storeCacheKey } from "../store";
import { BENCH_PREFIX, type Contenders } from "./Contenders";
import type { InProcessFaultProxy } from "./InProcessFaultProxy";
import type { Op } from "./measure";
import type { BenchSession } from "./payload";

/** Lifetime of everything the bench writes: long enough for a run, short enough to clean itself up. */
export const BENCH_TTL_SECONDS = 900;

/** One row family of the table: an operation measured at several concurrencies. */
export interface Workload {
  id: string;
  what: string;
  concurrencies: number[];
  /** Makes the operation for one measurement (untimed: e.g. evicts what the measurement reads). */
  prepare(concurrency: number): Promise<Op>;
  /** Caps the operations of one measurement (e.g. a pool of evicted sessions). */
  maxOps?: number;
  /** Operations a slow row completes even when its window has passed. */
  minOps?: number;
  /** Undoes what `prepare` changed (e.g. re-enables the proxies). */
  finish?(): Promise<void>;
}

export interface Pools {
  /** Sessions in both stores, read by the hit and cache-down rows. */
  hitIds: string[];
  /** Sessions in both stores that the miss row evicts before each measurement. */
  missIds: string[];
  rawKeys: string[];
  rawIds: string[];
  peerKeys: string[];
}

export interface WorkloadOptions {
  session: BenchSession;
  poolSize: number;
  missPoolSize: number;
}

const rawKey = (i: number) => `${BENCH_PREFIX}raw:${i}`;
const rawId = (i: number) => `bench-raw-${i}`;
const cacheKey = (id: string) => storeCacheKey(BENCH_PREFIX, id);

function rawItem(id: string, payload: string, expiresAt: number) {
  return {
    [SESSION_TABLE.partitionKey]: { S: id },
    [ITEM_ATTRIBUTES.payload]: { S: payload },
    [ITEM_ATTRIBUTES.version]: { N: "1" },
    [SESSION_TABLE.ttlAttribute]: { N: String(expiresAt) },
  };
}

/** Runs `task` for 0..count-1, `concurrency` at a time. */
export async function forEachLimited(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Writes the data every read row reads: the same payload in every store. */
export async function seed(c: Contenders, { session, poolSize, missPoolSize }: WorkloadOptions) {
  const expiresAt = Math.floor(Date.now() / 1000) + BENCH_TTL_SECONDS;
  const pools: Pools = {
    hitIds: [],
    missIds: [],
    rawKeys: Array.from({ length: poolSize }, (_, i) => rawKey(i)),
    rawIds: Array.from({ length: poolSize }, (_, i) => rawId(i)),
    peerKeys: Array.from({ length: poolSize }, (_, i) => `peer:${i}`),
  };
  const create = async () =>
    (await c.store.create(session.data, { ttlSeconds: BENCH_TTL_SECONDS })).id;
  await forEachLimited(poolSize, 50, async (i) => {
    pools.hitIds[i] = await create();
  });
  await forEachLimited(missPoolSize, 50, async (i) => {
    pools.missIds[i] = await create();
  });
  await forEachLimited(poolSize, 50, async (i) => {
    await Promise.all([
      c.glide.set(rawKey(i), session.payload, {
        expiry: { type: TimeUnit.Seconds, count: BENCH_TTL_SECONDS },
      }),
      c.dynamo.send(
        new PutItemCommand({
          TableName: SESSION_TABLE.tableName,
          Item: rawItem(rawId(i), session.payload, expiresAt),
        }),
      ),
      c.peer.set(`peer:${i}`, session.data, BENCH_TTL_SECONDS * 1000),
    ]);
  });
  return pools;
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

export function workloads(
  c: Contenders,
  pools: Pools,
  proxies: InProcessFaultProxy | undefined,
  { session }: WorkloadOptions,
): Workload[] {
  const fixed = (op: Op) => async (): Promise<Op> => op;
  const list: Workload[] = [
    {
      id: "glide-get",
      what: "raw GLIDE GET",
      concurrencies: [1, 50, 200],
      prepare: fixed((i) => c.glide.get(at(pools.rawKeys, i))),
    },
    {
      id: "glide-set",
      what: "raw GLIDE SET EX",
      concurrencies: [1, 50],
      prepare: fixed((i) =>
        c.glide.set(at(pools.rawKeys, i), session.payload, {
          expiry: { type: TimeUnit.Seconds, count: BENCH_TTL_SECONDS },
        }),
      ),
    },
    {
      id: "ddb-get",
      what: "raw DynamoDB GetItem (consistent)",
      concurrencies: [1, 50, 200],
      prepare: fixed((i) =>
        c.dynamo.send(
          new GetItemCommand({
            TableName: SESSION_TABLE.tableName,
            Key: { [SESSION_TABLE.partitionKey]: { S: at(pools.rawIds, i) } },
            ConsistentRead: true,
          }),
        ),
      ),
    },
    {
      id: "ddb-put",
      what: "raw DynamoDB PutItem",
      concurrencies: [1, 50],
      prepare: fixed((i) =>
        c.dynamo.send(
          new PutItemCommand({
            TableName: SESSION_TABLE.tableName,
            Item: rawItem(
              at(pools.rawIds, i),
              session.payload,
              Math.floor(Date.now() / 1000) + BENCH_TTL_SECONDS,
            ),
          }),
        ),
      ),
    },
    {
      id: "store-hit",
      what: "store.get served by the cache",
      concurrencies: [1, 50, 200],
      prepare: fixed(async (i) => {
        const s = await c.store.get(at(pools.hitIds, i));
        if (s?.source !== "cache") throw new Error("not a cache hit");
      }),
    },
    {
      id: "store-create",
      what: "store.create (both stores at once)",
      concurrencies: [1, 50],
      prepare: fixed(() => c.store.create(session.data, { ttlSeconds: BENCH_TTL_SECONDS })),
    },
    {
      id: "store-miss",
      what: "store.get after eviction (DynamoDB read + restore)",
      concurrencies: [1, 50],
      maxOps: pools.missIds.length,
      prepare: async () => {
        await forEachLimited(pools.missIds.length, 50, (i) =>
          c.glide.del([cacheKey(at(pools.missIds, i))]),
        );
        // Its own counter, so warm-up and measurement never read the same evicted session.
        let next = 0;
        return async () => {
          const id = pools.missIds[next++];
          if (id === undefined) throw new Error("no evicted session left");
          const s = await c.store.get(id);
          if (s?.source !== "dynamodb") throw new Error("not a miss");
        };
      },
    },
    {
      id: "peer-hit",
      what: "cacheable get served by its Valkey layer",
      concurrencies: [1, 50, 200],
      prepare: fixed(async (i) => {
        if ((await c.peer.get(at(pools.peerKeys, i))) === undefined) throw new Error("peer miss");
      }),
    },
    {
      id: "peer-create",
      what: "cacheable set (Valkey + DynamoDB)",
      concurrencies: [1, 50],
      prepare: fixed(() =>
        c.peer.set(`peer-new:${newSessionId()}`, session.data, BENCH_TTL_SECONDS * 1000),
      ),
    },
  ];
  const proxied = c.proxied;
  if (proxies && proxied) {
    list.push(
      {
        id: "proxy-overhead",
        what: "raw GLIDE GET through the fault proxies",
        concurrencies: [50],
        prepare: fixed((i) => proxied.glide.get(at(pools.rawKeys, i))),
      },
      {
        id: "store-cache-down",
        what: "store.get with every Valkey proxy disabled",
        concurrencies: [1, 50],
        minOps: 20,
        prepare: async () => {
          await proxies.setEnabled(false);
          return async (i) => {
            const s = await proxied.store.get(at(pools.hitIds, i));
            if (s?.source !== "dynamodb") throw new Error("not served by DynamoDB");
          };
        },
        finish: () => proxies.setEnabled(true),
      },
    );
  }
  return list;
}
