import { expect } from "chai";
import type { CacheEntry, CacheObserver } from "../../lab/observe/CacheObserver";
import type { DurableEntry, DurableObserver } from "../../lab/observe/DurableObserver";

/** The two observers, straight to the servers. */
export interface StoreObservers {
  cache: CacheObserver;
  durable: DurableObserver;
}

export interface BothEntries {
  cache: CacheEntry;
  durable: DurableEntry;
}

/** What each store holds for a session (cache key `key`, id `id`), read directly. */
export async function observeBoth(
  observers: StoreObservers,
  key: string,
  id: string,
): Promise<{ cache: CacheEntry | null; durable: DurableEntry | null }> {
  const [cache, durable] = await Promise.all([
    observers.cache.entry(key),
    observers.durable.entry(id),
  ]);
  return { cache, durable };
}

/** Both stores hold a live session for `id`; returns both entries. */
export async function expectInBoth(
  observers: StoreObservers,
  key: string,
  id: string,
): Promise<BothEntries> {
  const { cache, durable } = await observeBoth(observers, key, id);
  expect(durable, `DynamoDB holds session ${id}`).to.not.equal(null);
  expect(cache?.session, `the cache holds session ${id}`).to.not.equal(null);
  return { cache: cache as CacheEntry, durable: durable as DurableEntry };
}
