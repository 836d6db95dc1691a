import type { FinalObservation } from "../../checker/checkHistory";
import { eventually } from "../../common/eventually";
import type { Session } from "../../store";
import type { CacheObserver } from "./CacheObserver";
import type { DurableObserver } from "./DurableObserver";

/** The observers that read both stores directly, never through a store or the fault proxy. */
export interface BothObservers {
  cache: CacheObserver;
  durable: DurableObserver;
}

/**
 * Until the stores with this key prefix have settled: their shared journal is empty, and every lease
 * granted before `quietSince` (epoch ms: the last fault's heal) has run out.
 */
export async function settled(
  cache: CacheObserver,
  keyPrefix: string,
  quietSince: number,
  leaseMs: number,
): Promise<void> {
  await eventually(
    async () => {
      const pending = await cache.journalLength(keyPrefix);
      if (pending > 0) throw new Error(`${pending} journalled writes not yet in DynamoDB`);
    },
    { timeoutMs: 30_000, intervalMs: 200, what: "the shared journal to drain" },
  );
  await eventually(
    () => {
      if (Date.now() < quietSince + leaseMs) throw new Error("a lease may still run");
    },
    { timeoutMs: leaseMs + 5000, intervalMs: 100, what: "every lease to run out" },
  );
}

/** Each session as the checker's final state wants it: a read through a store, then both raw copies. */
export async function observeFinal(
  ids: readonly string[],
  read: (id: string) => Promise<Session | null>,
  observers: BothObservers,
  keyOf: (id: string) => string,
): Promise<Map<string, FinalObservation>> {
  const final = new Map<string, FinalObservation>();
  for (const id of ids) {
    const session = await eventually(() => read(id), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: `a final read of session ${id}`,
    });
    const [cache, durable] = await Promise.all([
      observers.cache.entry(keyOf(id)),
      observers.durable.entry(id),
    ]);
    final.set(id, {
      read: session,
      cache: cache?.session
        ? { version: cache.session.version, payload: cache.payload, expiresAt: cache.expiresAt }
        : null,
      durable: durable
        ? { version: durable.version, payload: durable.payload, expiresAt: durable.expiresAt }
        : null,
      observedAt: Date.now(),
    });
  }
  return final;
}
