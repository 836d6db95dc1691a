import type { FaultProxy } from "../../lab/FaultProxy";

/** Latency above the store's 250 ms cache timeout: every cache call times out. */
export const CACHE_SLOW_MS = 1000;
/** Latency below DynamoDB's 1000 ms request timeout: slow, not down. */
export const DYNAMODB_SLOW_MS = 300;

/** What a fault acts through: the fault proxy, and the environment's node processes. */
export interface FaultTools {
  proxies: FaultProxy;
  /** Kills the primary serving this user's session; healing brings it back. */
  losePrimaryOf(user: string): Promise<void>;
  /** Every node a fault killed, back in the cluster. */
  restartKilledNodes(): Promise<void>;
}

/** A fault a scenario can name: its words, how it starts, how it heals. */
export interface Fault {
  words: string;
  /** The words that say it is over, where a scenario heals it on its own. */
  healWords?: string;
  start(tools: FaultTools): Promise<void>;
  heal(tools: FaultTools): Promise<void>;
}

const healBoth = async ({ proxies }: FaultTools): Promise<void> => {
  await proxies.heal("valkey");
  await proxies.heal("dynamodb");
};

export const CACHE_UNREACHABLE: Fault = {
  words: "the cache is unreachable",
  healWords: "the cache comes back",
  start: ({ proxies }) => proxies.unreachable("valkey"),
  heal: ({ proxies }) => proxies.heal("valkey"),
};

export const DYNAMODB_UNREACHABLE: Fault = {
  words: "DynamoDB is unreachable",
  healWords: "DynamoDB comes back",
  start: ({ proxies }) => proxies.unreachable("dynamodb"),
  heal: ({ proxies }) => proxies.heal("dynamodb"),
};

/** Every fault a scenario can name: the only place their words are spelled. */
export const FAULTS: readonly Fault[] = [
  CACHE_UNREACHABLE,
  {
    words: "the cache is slow",
    start: ({ proxies }) => proxies.slow("valkey", CACHE_SLOW_MS),
    heal: ({ proxies }) => proxies.heal("valkey"),
  },
  {
    words: "every connection to the cache is reset",
    start: ({ proxies }) => proxies.resetting("valkey"),
    heal: ({ proxies }) => proxies.heal("valkey"),
  },
  {
    words: "the cache shard holding the user's session loses its primary",
    start: (tools) => tools.losePrimaryOf("the user"),
    heal: (tools) => tools.restartKilledNodes(),
  },
  {
    words: "the cache shard holding user 1's session loses its primary",
    start: (tools) => tools.losePrimaryOf("user 1"),
    heal: (tools) => tools.restartKilledNodes(),
  },
  DYNAMODB_UNREACHABLE,
  {
    words: "DynamoDB is slow",
    start: ({ proxies }) => proxies.slow("dynamodb", DYNAMODB_SLOW_MS),
    heal: ({ proxies }) => proxies.heal("dynamodb"),
  },
  {
    words: "both stores are unreachable",
    start: async ({ proxies }) => {
      await proxies.unreachable("valkey");
      await proxies.unreachable("dynamodb");
    },
    heal: healBoth,
  },
];

/** The fault these words name (its own words, or the words that heal it). */
export function faultNamed(words: string): Fault {
  const fault = FAULTS.find((f) => f.words === words || f.healWords === words);
  if (!fault) throw new Error(`no fault is called "${words}" (support/faults/catalog.ts)`);
  return fault;
}

const alternatives = (words: (string | undefined)[]): RegExp =>
  new RegExp(
    words
      .filter((w): w is string => w !== undefined)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("|"),
  );

/** Any fault's words. */
export const FAULT_PATTERN = alternatives(FAULTS.map((f) => f.words));
/** Any words that heal a fault. */
export const HEALING_PATTERN = alternatives(FAULTS.map((f) => f.healWords));
