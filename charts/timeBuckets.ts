/** Bucket widths in milliseconds a time series may use, narrowest first. */
export const BUCKET_WIDTHS_MS = [100, 200, 250, 500, 1000] as const;

/** The narrowest width that cuts `spanMs` into at most `maxBuckets` buckets (else the widest). */
export function bucketWidth(spanMs: number, maxBuckets = 80): number {
  return (
    BUCKET_WIDTHS_MS.find((w) => Math.ceil(spanMs / w) <= maxBuckets) ??
    (BUCKET_WIDTHS_MS.at(-1) as number)
  );
}

/**
 * Counts `times` (milliseconds from 0) into buckets [i × width, (i + 1) × width) covering 0 to
 * `endMs`; a time at or past `endMs` counts in the last bucket, one before 0 in the first.
 */
export function bucketCounts(times: readonly number[], widthMs: number, endMs: number): number[] {
  const counts = new Array<number>(Math.max(1, Math.ceil(endMs / widthMs))).fill(0);
  for (const t of times) {
    const i = Math.min(counts.length - 1, Math.max(0, Math.floor(t / widthMs)));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}
