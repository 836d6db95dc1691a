import type { SessionWorld } from "../world";
import type { LoadFault } from "./MixedLoad";

/** The fault as the scenarios name it, and as the history records it. */
const CACHE_LOST = "the cache is unreachable";

/**
 * Shares of the requests completed when the cache goes away, and when it comes back. Half the run
 * lies between its return and the last fifth: time for the cache client to reconnect and the
 * store's breaker to close, even where DynamoDB answers the fallback reads fast.
 */
const CACHE_LOST_AFTER = 0.2;
const CACHE_BACK_AFTER = 0.3;

/** Every cache proxy disabled, then enabled again; both moments recorded in the history. */
export function cacheOutage(world: SessionWorld): LoadFault {
  return {
    name: CACHE_LOST,
    startAfter: CACHE_LOST_AFTER,
    healAfter: CACHE_BACK_AFTER,
    start: () => world.startFault(CACHE_LOST, () => world.faults.unreachable("valkey")),
    heal: async () => {
      await world.faults.heal("valkey");
      world.history.fault(CACHE_LOST, "heal");
    },
  };
}
