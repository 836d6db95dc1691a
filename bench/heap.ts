import type { HybridSessionStore } from "../store";
import { forEachLimited } from "./workloads";

/** heapUsed after full collections (several, until it stops falling). */
function settledHeap(): number {
  const gc = global.gc;
  if (!gc) throw new Error("run node with --expose-gc");
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.999) return used;
    last = used;
  }
  return last;
}

/**
 * Whether the store's heap stays flat: heapUsed after GC before and after `ops` cache-hit reads
 * at concurrency 50 (after a warm-up, so JIT and connection buffers have settled).
 */
export async function heapFlatness(
  store: HybridSessionStore,
  ids: readonly string[],
  ops: number,
): Promise<{ beforeBytes: number; afterBytes: number; growthPercent: number }> {
  const read = (i: number) => store.get(ids[i % ids.length] as string);
  await forEachLimited(Math.min(ops, 20_000), 50, read);
  const beforeBytes = settledHeap();
  await forEachLimited(ops, 50, read);
  const afterBytes = settledHeap();
  return {
    beforeBytes,
    afterBytes,
    growthPercent: ((afterBytes - beforeBytes) / beforeBytes) * 100,
  };
}
