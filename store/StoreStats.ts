import { LatencyHistogram, type LatencySummary } from "./LatencyHistogram";

/** What one store did, counted since the session store was connected (or `stats({ reset })`). */
export interface StoreCounters {
  /** Lookups this store answered with a session (or, in the cache, a deletion marker). */
  hits: number;
  /** Lookups this store answered with nothing (absent or expired). */
  misses: number;
  /** Lookups sent to this store, whatever their outcome. */
  reads: number;
  /** Writes (creates, updates, touches, deletes) this store applied. */
  writes: number;
  /** Entries written back to the cache after a miss (always 0 for DynamoDB). */
  restores: number;
  /** Commands to this store that failed (timeout, connection, throttling, ...). */
  errors: number;
  /** Operations that went on without this store after it failed. */
  fallbacks: number;
}

export type StoreName = "cache" | "dynamodb";
export type StoreOperation = "create" | "get" | "update" | "touch" | "delete";
export type StoreCommand = "get" | "write" | "delete";

/** The replay journal of writes acknowledged while DynamoDB was down. */
export interface JournalCounters {
  /** Writes acknowledged into the journal. */
  appended: number;
  /** Entries replayed into DynamoDB and removed. */
  replayed: number;
  /** Replayed entries DynamoDB refused because it held a later copy (the entry lost the tie). */
  conflicts: number;
}

export interface StatsSnapshot {
  cache: StoreCounters;
  dynamodb: StoreCounters;
  journal: JournalCounters & { pending: boolean };
  /** Sessions whose cache entry may be stale, and how many were repaired from DynamoDB. */
  repairs: { pending: number; repaired: number; overflow: boolean };
  /** The state of the store's breaker in front of the cache. */
  cacheBreaker: "closed" | "open" | "half-open";
  /** Latency of each public operation, end to end. */
  operations: Record<StoreOperation, LatencySummary>;
  /** Latency of the commands sent to each store. */
  commands: Record<StoreName, Record<StoreCommand, LatencySummary>>;
}

const OPERATIONS: readonly StoreOperation[] = ["create", "get", "update", "touch", "delete"];
const COMMANDS: readonly StoreCommand[] = ["get", "write", "delete"];

const zeroCounters = (): StoreCounters => ({
  hits: 0,
  misses: 0,
  reads: 0,
  writes: 0,
  restores: 0,
  errors: 0,
  fallbacks: 0,
});

const histograms = <K extends string>(keys: readonly K[]): Record<K, LatencyHistogram> =>
  Object.fromEntries(keys.map((k) => [k, new LatencyHistogram()])) as Record<K, LatencyHistogram>;

const summaries = <K extends string>(h: Record<K, LatencyHistogram>): Record<K, LatencySummary> =>
  Object.fromEntries(
    (Object.entries(h) as [K, LatencyHistogram][]).map(([k, v]) => [k, v.summary()]),
  ) as Record<K, LatencySummary>;

/** Counters and latency histograms in fixed memory. */
export class StoreStats {
  readonly counters: Record<StoreName, StoreCounters> = {
    cache: zeroCounters(),
    dynamodb: zeroCounters(),
  };
  readonly journal: JournalCounters = { appended: 0, replayed: 0, conflicts: 0 };
  private readonly operations = histograms(OPERATIONS);
  private readonly commands: Record<StoreName, Record<StoreCommand, LatencyHistogram>> = {
    cache: histograms(COMMANDS),
    dynamodb: histograms(COMMANDS),
  };

  count(store: StoreName, counter: keyof StoreCounters, by = 1): void {
    this.counters[store][counter] += by;
  }

  recordOperation(op: StoreOperation, ms: number): void {
    this.operations[op].record(ms);
  }

  recordCommand(store: StoreName, command: StoreCommand, ms: number): void {
    this.commands[store][command].record(ms);
  }

  /** Counters and latencies; the journal, repair and breaker state come from their owners. */
  snapshot(): Omit<StatsSnapshot, "journal" | "repairs" | "cacheBreaker"> & {
    journal: JournalCounters;
  } {
    return {
      cache: { ...this.counters.cache },
      dynamodb: { ...this.counters.dynamodb },
      journal: { ...this.journal },
      operations: summaries(this.operations),
      commands: {
        cache: summaries(this.commands.cache),
        dynamodb: summaries(this.commands.dynamodb),
      },
    };
  }

  reset(): void {
    Object.assign(this.counters.cache, zeroCounters());
    Object.assign(this.counters.dynamodb, zeroCounters());
    Object.assign(this.journal, { appended: 0, replayed: 0, conflicts: 0 });
    for (const h of Object.values(this.operations)) h.reset();
    for (const store of Object.values(this.commands))
      for (const h of Object.values(store)) h.reset();
  }
}
