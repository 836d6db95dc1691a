import { CACHE_UNREACHABLE, type Fault } from "../faults/catalog";
import type { LoadFault } from "./MixedLoad";

/**
 * Shares of the requests completed when the cache goes away, and when it comes back. Half the run
 * lies between its return and the last fifth: time for the cache client to reconnect and the
 * store's breaker to close, even where DynamoDB answers the fallback reads fast.
 */
const CACHE_LOST_AFTER = 0.2;
const CACHE_BACK_AFTER = 0.3;

/** Something that starts and heals a fault and records both (the World). */
export interface FaultSwitch {
  startFault(fault: Fault): Promise<void>;
  healFault(fault: Fault): Promise<void>;
}

/** The cache unreachable, then back, part-way through a load; both moments recorded. */
export function cacheOutage(faults: FaultSwitch): LoadFault {
  return {
    name: CACHE_UNREACHABLE.words,
    startAfter: CACHE_LOST_AFTER,
    healAfter: CACHE_BACK_AFTER,
    start: () => faults.startFault(CACHE_UNREACHABLE),
    heal: () => faults.healFault(CACHE_UNREACHABLE),
  };
}
