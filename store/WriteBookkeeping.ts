import type { CacheRepairs } from "./CacheRepairs";
import type { SingleFlight } from "./SingleFlight";
import type { StoreStats } from "./StoreStats";

/** How an acknowledged write went in each store. */
export interface AcknowledgedWrite {
  /** DynamoDB applied it, the replay journal holds it instead, or DynamoDB had nothing to change. */
  durable: "written" | "journalled" | "unchanged";
  /** The cache write: true when written, false when the cache held a newer copy; rejected if it failed. */
  cache: PromiseSettledResult<boolean>;
  /**
   * DynamoDB may hold a write the cache entry lacks, so reads must bypass the entry until it is
   * repaired. Default: the cache write failed.
   */
  stale?: boolean;
}

/** The cache write of a journalled write: the compare-and-set that decided it. */
export const CACHE_WRITTEN: PromiseFulfilledResult<boolean> = { status: "fulfilled", value: true };

/**
 * What every acknowledged write does last, whichever way it went: counts it in each store, marks the
 * cache entry for repair when it may be stale, and makes later reads start afresh rather than join a
 * read that began before the write.
 */
export class WriteBookkeeping {
  constructor(
    private readonly counters: StoreStats,
    private readonly repairs: CacheRepairs,
    private readonly flights: Pick<SingleFlight<unknown>, "forget">,
  ) {}

  afterWrite(id: string, write: AcknowledgedWrite): void {
    if (write.durable === "written") this.counters.count("dynamodb", "writes");
    if (write.durable === "journalled") this.counters.count("dynamodb", "fallbacks");
    if (write.cache.status === "rejected") this.counters.count("cache", "fallbacks");
    else if (write.cache.value) this.counters.count("cache", "writes");
    if (write.stale ?? write.cache.status === "rejected") this.repairs.mark(id);
    this.flights.forget(id);
  }
}
