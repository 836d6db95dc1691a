import type { FaultProxy } from "../../lab/FaultProxy";
import type { FaultClass } from "../../lab/faultClasses";
import type { FaultSpec, Nemesis } from "../../lab/Nemesis";

/** Latency above the store's 250 ms cache timeout: every cache call times out. */
export const CACHE_SLOW_MS = 1000;
/** Latency below DynamoDB's 1000 ms request timeout: slow, not down. */
export const DYNAMODB_SLOW_MS = 300;

/** What a fault acts through: the shared fault proxy, the app servers' nemesis, the node processes. */
export interface FaultTools {
  /** The environment's own proxies, which the scenario's in-process store goes through. */
  proxies(): FaultProxy;
  /** The faults of the scenario's app servers (each on its own proxies) and of the cluster. */
  nemesis(): Nemesis;
  /** The cache key of a user's session. */
  keyOf(user: string): string;
  /** Kills the primary serving this user's session; healing brings it back. */
  losePrimaryOf(user: string): Promise<void>;
  /** Every node a fault killed, back in the cluster. */
  restartKilledNodes(): Promise<void>;
}

/** A fault a scenario can name: its words, how it starts, how it heals. */
export interface Fault {
  words: string;
  /** Its class (lab/faultClasses.ts), which sets the staleness the checker allows under it. */
  class?: FaultClass;
  /** The words that say it is over, where a scenario heals it on its own. */
  healWords?: string;
  start(tools: FaultTools): Promise<void>;
  heal(tools: FaultTools): Promise<void>;
}

const healBoth = async (t: FaultTools): Promise<void> => {
  await t.proxies().heal("valkey");
  await t.proxies().heal("dynamodb");
};

/** A fault the nemesis makes: one spec object per entry, so its heal finds what its start made. */
function nemesisFault(words: string, healWords: string | undefined, spec: FaultSpec): Fault {
  return {
    words,
    ...(healWords === undefined ? {} : { healWords }),
    class: spec.class,
    start: (t) => t.nemesis().start(spec),
    heal: (t) => t.nemesis().heal(spec),
  };
}

/** A node fault for one user's session, whose node is found by its cache key when it starts. */
function userNodeFault(words: string, healWords: string, faultClass: FaultClass): Fault {
  // One spec per scenario (each has its own nemesis), so a heal undoes what its own start made.
  const specs = new Map<Nemesis, FaultSpec>();
  return {
    words,
    healWords,
    class: faultClass,
    start: (t) => {
      const spec = { class: faultClass, target: "cluster", key: t.keyOf("the user") };
      specs.set(t.nemesis(), spec);
      return t.nemesis().start(spec);
    },
    heal: async (t) => {
      const nemesis = t.nemesis();
      const spec = specs.get(nemesis);
      specs.delete(nemesis);
      if (spec) await nemesis.heal(spec);
    },
  };
}

/** Each link fault's words for one app server ({s}) and for every one, and the words that heal it. */
const LINK_FAULTS: {
  cls: FaultClass;
  one: string;
  every: string;
  heal: string;
  healEvery: string;
}[] = [
  {
    cls: "cache-cut-off",
    one: "app server {s} is cut off from the cache",
    every: "every app server is cut off from the cache",
    heal: "app server {s} reaches the cache again",
    healEvery: "every app server reaches the cache again",
  },
  {
    cls: "dynamodb-cut-off",
    one: "app server {s} is cut off from DynamoDB",
    every: "every app server is cut off from DynamoDB",
    heal: "app server {s} reaches DynamoDB again",
    healEvery: "every app server reaches DynamoDB again",
  },
  {
    cls: "cache-black-hole",
    one: "the cache never answers app server {s}",
    every: "the cache never answers any app server",
    heal: "the cache answers app server {s} again",
    healEvery: "the cache answers every app server again",
  },
  {
    cls: "dynamodb-black-hole",
    one: "DynamoDB never answers app server {s}",
    every: "DynamoDB never answers any app server",
    heal: "DynamoDB answers app server {s} again",
    healEvery: "DynamoDB answers every app server again",
  },
  {
    cls: "cache-lost-answers",
    one: "app server {s} loses every answer from the cache",
    every: "every app server loses every answer from the cache",
    heal: "app server {s} gets the cache's answers again",
    healEvery: "every app server gets the cache's answers again",
  },
  {
    cls: "dynamodb-lost-answers",
    one: "app server {s} loses every answer from DynamoDB",
    every: "every app server loses every answer from DynamoDB",
    heal: "app server {s} gets DynamoDB's answers again",
    healEvery: "every app server gets DynamoDB's answers again",
  },
  {
    cls: "cache-slow",
    one: "the cache answers app server {s} too late",
    every: "the cache answers every app server too late",
    heal: "the cache answers app server {s} in time again",
    healEvery: "the cache answers every app server in time again",
  },
  {
    cls: "dynamodb-slow",
    one: "DynamoDB answers app server {s} too late",
    every: "DynamoDB answers every app server too late",
    heal: "DynamoDB answers app server {s} in time again",
    healEvery: "DynamoDB answers every app server in time again",
  },
];

const SERVERS = ["A", "B", "C"];

/** The faults of app servers' links (one server's or every server's), of the servers, of nodes. */
const SERVER_FAULTS: Fault[] = [
  ...LINK_FAULTS.flatMap(({ cls, one, every, heal, healEvery }) => [
    ...SERVERS.map((s) =>
      nemesisFault(one.replace("{s}", s), heal.replace("{s}", s), {
        class: cls,
        target: s.toLowerCase(),
      }),
    ),
    nemesisFault(every, healEvery, { class: cls, target: "all" }),
  ]),
  ...SERVERS.flatMap((s) => [
    nemesisFault(`app server ${s} is killed`, `app server ${s} starts again`, {
      class: "app-server-killed",
      target: s.toLowerCase(),
    }),
    nemesisFault(
      `app server ${s}'s clock runs 2 seconds ahead`,
      `app server ${s}'s clock is right again`,
      { class: "clock-skew", target: s.toLowerCase(), offsetMs: 2000 },
    ),
  ]),
  userNodeFault(
    "the primary holding the user's session is paused",
    "the primary holding the user's session resumes",
    "primary-paused",
  ),
  userNodeFault(
    "the replica holding the user's session is paused",
    "the replica holding the user's session resumes",
    "replica-paused",
  ),
  nemesisFault("the cache loses its data", undefined, {
    class: "cache-data-lost",
    target: "cluster",
  }),
];

export const CACHE_UNREACHABLE: Fault = {
  words: "the cache is unreachable",
  healWords: "the cache comes back",
  start: (t) => t.proxies().unreachable("valkey"),
  heal: (t) => t.proxies().heal("valkey"),
};

export const DYNAMODB_UNREACHABLE: Fault = {
  words: "DynamoDB is unreachable",
  healWords: "DynamoDB comes back",
  start: (t) => t.proxies().unreachable("dynamodb"),
  heal: (t) => t.proxies().heal("dynamodb"),
};

/** Every fault a scenario can name: the only place their words are spelled. */
export const FAULTS: readonly Fault[] = [
  CACHE_UNREACHABLE,
  {
    words: "the cache is slow",
    start: (t) => t.proxies().slow("valkey", CACHE_SLOW_MS),
    heal: (t) => t.proxies().heal("valkey"),
  },
  {
    words: "every connection to the cache is reset",
    start: (t) => t.proxies().resetting("valkey"),
    heal: (t) => t.proxies().heal("valkey"),
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
    start: (t) => t.proxies().slow("dynamodb", DYNAMODB_SLOW_MS),
    heal: (t) => t.proxies().heal("dynamodb"),
  },
  ...SERVER_FAULTS,
  {
    words: "both stores are unreachable",
    start: async (t) => {
      await t.proxies().unreachable("valkey");
      await t.proxies().unreachable("dynamodb");
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
