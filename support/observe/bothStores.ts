import { expect } from "chai";
import type { SessionWorld } from "../world";
import type { CacheEntry } from "./CacheObserver";
import type { DurableEntry } from "./DurableObserver";

/** What each store holds for a user's session, read directly. */
export async function observeBoth(
  world: SessionWorld,
  id: string,
): Promise<{ cache: CacheEntry | null; durable: DurableEntry | null }> {
  const [cache, durable] = await Promise.all([
    world.shared.cache.entry(world.cacheKey(id)),
    world.shared.durable.entry(id),
  ]);
  return { cache, durable };
}

/** Both stores hold a live session for `id`; returns both entries. */
export async function expectInBoth(
  world: SessionWorld,
  id: string,
): Promise<{ cache: CacheEntry; durable: DurableEntry }> {
  const { cache, durable } = await observeBoth(world, id);
  expect(durable, `DynamoDB holds session ${id}`).to.not.equal(null);
  expect(cache?.session, `the cache holds session ${id}`).to.not.equal(null);
  return { cache: cache as CacheEntry, durable: durable as DurableEntry };
}
