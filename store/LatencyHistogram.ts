/** Sub-buckets per power of two: 32 gives a relative error below 3.2 %. */
const SUB_BUCKET_BITS = 5;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** Powers of two covered above the linear range: 1 µs .. 2^36 µs (about 19 hours). */
const MAGNITUDES = 32;

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  mean: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p90: number;
  /** Milliseconds. */
  p99: number;
  /** Milliseconds. */
  max: number;
}

/**
 * A log-linear histogram of durations in fixed memory (about 8 KB), whatever the number of samples:
 * values are kept in microseconds, exact below 32 µs and within 3.2 % above.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(SUB_BUCKETS * (MAGNITUDES + 1));
  private total = 0;
  private sumMicros = 0;
  private maxMicros = 0;

  /** Records one duration given in milliseconds. */
  record(ms: number): void {
    const micros = Math.max(0, Math.round(ms * 1000));
    const index = Math.min(LatencyHistogram.indexOf(micros), this.counts.length - 1);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    this.sumMicros += micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  get count(): number {
    return this.total;
  }

  /** The duration in milliseconds below which `q` (0..1) of the samples fall; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.upperBoundOf(i), this.maxMicros) / 1000;
    }
    return this.maxMicros / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      mean: this.total === 0 ? 0 : this.sumMicros / this.total / 1000,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.maxMicros / 1000,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumMicros = 0;
    this.maxMicros = 0;
  }

  private static indexOf(micros: number): number {
    if (micros < SUB_BUCKETS) return micros;
    // clz32 is exact and cheap below 2^31 µs (35 minutes); beyond, log2 is fine.
    const log2 = micros < 2 ** 31 ? 31 - Math.clz32(micros) : Math.floor(Math.log2(micros));
    const magnitude = log2 - SUB_BUCKET_BITS + 1;
    const sub = Math.floor(micros / 2 ** magnitude) - SUB_BUCKETS / 2;
    return SUB_BUCKETS + (magnitude - 1) * (SUB_BUCKETS / 2) + sub;
  }

  /** The largest value in microseconds that falls into bucket `index`. */
  private static upperBoundOf(index: number): number {
    if (index < SUB_BUCKETS) return index;
    const magnitude = Math.floor((index - SUB_BUCKETS) / (SUB_BUCKETS / 2)) + 1;
    const sub = ((index - SUB_BUCKETS) % (SUB_BUCKETS / 2)) + SUB_BUCKETS / 2;
    return (sub + 1) * 2 ** magnitude - 1;
  }
}
