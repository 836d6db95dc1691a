/** One operation of a workload; `i` numbers the operations of one measurement from 0. */
export type Op = (i: number) => Promise<unknown>;

export interface Window {
  /** Stop starting operations after this many milliseconds (once `minOps` are done). */
  durationMs: number;
  /** Keep going past `durationMs` until this many operations completed. Default: 0. */
  minOps?: number;
  /** Never start more than this many operations. Default: unlimited. */
  maxOps?: number;
  /** Give up on `minOps` after this many milliseconds. Default: 10 × durationMs. */
  hardLimitMs?: number;
}

export interface Sample {
  ops: number;
  errors: number;
  opsPerSec: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
  /** Milliseconds. */
  mean: number;
}

/** Latencies of one measurement, in a buffer allocated once so measuring does not grow the heap. */
const latencies = new Float64Array(4_000_000);

/**
 * Runs `op` from `concurrency` closed-loop workers until the window ends and summarises the
 * latencies of the operations that completed. Failed operations count as errors, not samples.
 */
export async function measure(op: Op, concurrency: number, window: Window): Promise<Sample> {
  const { durationMs, minOps = 0, maxOps = Number.POSITIVE_INFINITY } = window;
  const hardLimitMs = window.hardLimitMs ?? durationMs * 10;
  let next = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const more = (): boolean => {
    if (next >= maxOps || next >= latencies.length) return false;
    const elapsed = performance.now() - started;
    if (elapsed >= hardLimitMs) return false;
    return elapsed < durationMs || done < minOps;
  };
  const worker = async (): Promise<void> => {
    while (more()) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies[done++] = performance.now() - t0;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return summarise(latencies.subarray(0, done), errors, elapsedMs);
}

/** Runs `op` `count` times at `concurrency`, discarding the timings: warm-up. */
export async function warmUp(op: Op, concurrency: number, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++).catch(() => undefined);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function summarise(samples: Float64Array, errors: number, elapsedMs: number): Sample {
  const sorted = Float64Array.from(samples).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    ops: sorted.length,
    errors,
    opsPerSec: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : 0,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: sorted.length > 0 ? sum / sorted.length : 0,
  };
}

/** Nearest-rank quantile of sorted values; 0 when there are none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The median of each field across rounds (each field on its own). */
export function medianSample(rounds: readonly Sample[]): Sample {
  const of = (field: keyof Sample) => median(rounds.map((r) => r[field]));
  return {
    ops: of("ops"),
    errors: of("errors"),
    opsPerSec: of("opsPerSec"),
    p50: of("p50"),
    p99: of("p99"),
    mean: of("mean"),
  };
}
