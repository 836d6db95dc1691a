import type { SessionWorld } from "../world";

/** Latency above the store's 250 ms cache timeout: every cache call times out. */
export const CACHE_SLOW_MS = 1000;
/** Latency below DynamoDB's 1000 ms request timeout: slow, not down. */
export const DYNAMODB_SLOW_MS = 300;

/** Every fault a scenario can name, by the words it uses for it. */
export const FAULTS: Record<string, (world: SessionWorld) => Promise<unknown>> = {
  "the cache is unreachable": (w) => w.faults.unreachable("valkey"),
  "the cache is slow": (w) => w.faults.slow("valkey", CACHE_SLOW_MS),
  "every connection to the cache is reset": (w) => w.faults.resetting("valkey"),
  "the cache shard holding the user's session loses its primary": (w) =>
    w.losePrimaryOf("the user"),
  "the cache shard holding user 1's session loses its primary": (w) => w.losePrimaryOf("user 1"),
  "DynamoDB is unreachable": (w) => w.faults.unreachable("dynamodb"),
  "DynamoDB is slow": (w) => w.faults.slow("dynamodb", DYNAMODB_SLOW_MS),
  "both stores are unreachable": async (w) => {
    await w.faults.unreachable("valkey");
    await w.faults.unreachable("dynamodb");
  },
};

/** A regular expression matching any fault's words. */
export const FAULT_PATTERN = new RegExp(
  Object.keys(FAULTS)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|"),
);
