/**
 * Every class of fault the framework can make, as data: what it models in production, what it
 * acts on, and whether campaigns may overlap it with others. Scenarios name faults in sentences
 * (support/faults/catalog.ts) and campaigns draw them at random (campaign/nemesis.ts); both start
 * and heal them through lab/Nemesis.ts.
 */
export const FAULT_CLASSES = [
  "cache-cut-off",
  "dynamodb-cut-off",
  "cache-black-hole",
  "dynamodb-black-hole",
  "cache-lost-answers",
  "dynamodb-lost-answers",
  "cache-slow",
  "dynamodb-slow",
  "primary-killed",
  "primary-paused",
  "replica-paused",
  "cache-data-lost",
  "app-server-killed",
  "clock-skew",
] as const;

export type FaultClass = (typeof FAULT_CLASSES)[number];

/** What a fault acts on: one app server's links (or every server's), a cache node, the cluster. */
export type FaultScope = "links" | "node" | "cluster" | "server";

export interface FaultClassInfo {
  scope: FaultScope;
  /** For link faults: the store whose links it breaks. */
  store?: "valkey" | "dynamodb";
  /** One line: what this models in production. */
  models: string;
  /** True where it can also run against the AWS stack (no node process to kill there). */
  onAws: boolean;
}

export const FAULT_CLASS_INFO: Record<FaultClass, FaultClassInfo> = {
  "cache-cut-off": {
    scope: "links",
    store: "valkey",
    models: "a security group or route change: connections to the cache refused",
    onAws: true,
  },
  "dynamodb-cut-off": {
    scope: "links",
    store: "dynamodb",
    models: "the endpoint unreachable: connections to DynamoDB refused",
    onAws: false,
  },
  "cache-black-hole": {
    scope: "links",
    store: "valkey",
    models: "a partition: connections accepted by the network, nothing ever answered",
    onAws: true,
  },
  "dynamodb-black-hole": {
    scope: "links",
    store: "dynamodb",
    models: "a partition in front of DynamoDB: requests hang, nothing answers",
    onAws: false,
  },
  "cache-lost-answers": {
    scope: "links",
    store: "valkey",
    models: "commands reach the cache and are applied; the answers are lost on the way back",
    onAws: true,
  },
  "dynamodb-lost-answers": {
    scope: "links",
    store: "dynamodb",
    models: "requests are applied by DynamoDB; the answers are lost, so the SDK retries",
    onAws: false,
  },
  "cache-slow": {
    scope: "links",
    store: "valkey",
    models: "a congested link: every cache answer arrives after the request timeout",
    onAws: true,
  },
  "dynamodb-slow": {
    scope: "links",
    store: "dynamodb",
    models: "throttling or a congested link: DynamoDB answers after the request timeout",
    onAws: false,
  },
  "primary-killed": {
    scope: "node",
    models: "a cache node lost: the shard's primary dies, its replica is promoted",
    onAws: false,
  },
  "primary-paused": {
    scope: "node",
    models: "a stop-the-world pause or a stalled VM: the primary freezes, then resumes",
    onAws: false,
  },
  "replica-paused": {
    scope: "node",
    models: "a stalled replica: replication and WAIT stop for that shard",
    onAws: false,
  },
  "cache-data-lost": {
    scope: "cluster",
    models: "a replica restarted without its data, or the whole cache flushed",
    onAws: false,
  },
  "app-server-killed": {
    scope: "server",
    models: "a crash or a deploy: an app server dies mid-request (SIGKILL) and starts again",
    onAws: false,
  },
  "clock-skew": {
    scope: "server",
    models: "an app server whose clock runs ahead or behind the others",
    onAws: false,
  },
};

/**
 * The cache lease the lab runs every store with (the store's default is 30 s, see store/config.ts),
 * and the journal scan interval at its default.
 */
export const LEASE_MS = 1000;
const JOURNAL_SCAN_MS = 1000;
/** The breaker's open time at its default: a server keeps off the cache that long after a fault. */
const BREAKER_OPEN_MS = 1000;
/** Room for a request in flight when a lease runs out or a heal lands. */
export const MARGIN_MS = 500;

/**
 * L per fault class, in milliseconds: how long after a write completes, or the fault heals, a read
 * on any server may still miss the write. A write that reaches DynamoDB but not the cache is
 * served stale at most until the entry's lease runs out (a breaker opened by the fault may keep its
 * writer off the cache a little longer); a write journalled while DynamoDB fails is in DynamoDB one
 * journal scan after the heal. 0 for every class where the store can promise it (none here: every
 * class can leave some server writing to one store only).
 */
export function stalenessBounds(): Record<FaultClass, number> {
  const bounds = {} as Record<FaultClass, number>;
  for (const name of FAULT_CLASSES) {
    bounds[name] =
      FAULT_CLASS_INFO[name].store === "dynamodb"
        ? JOURNAL_SCAN_MS + LEASE_MS + MARGIN_MS
        : BREAKER_OPEN_MS + LEASE_MS + MARGIN_MS;
  }
  return bounds;
}
