import { bucketCounts, bucketWidth } from "../../charts/timeBuckets";
import type { Completion, FaultWindow, MixedLoadResult } from "./MixedLoad";

/** What one time bucket of a load run saw complete. */
export interface TimeSeriesRow {
  /** Start and end of the bucket, in milliseconds since the measured part began. */
  fromMs: number;
  toMs: number;
  requests: number;
  /** Requests completed per second of the bucket (the last one may be shorter). */
  throughput: number;
  reads: number;
  readsFromCache: number;
  /** Share (0..1) of the bucket's reads the cache served; null when it had none. */
  hitRatio: number | null;
  /** Whether the fault was in effect during any part of the bucket. */
  fault: boolean;
}

export interface LoadTimeSeries {
  /** Bucket width in milliseconds. */
  bucketMs: number;
  rows: TimeSeriesRow[];
  fault?: FaultWindow;
}

const isRead = (c: Completion) => c.kind === "read" && !c.failed;
const fromCache = (c: Completion) => isRead(c) && c.source === "cache";

/**
 * Cuts the run into buckets by completion time (100 to 1000 ms wide, so a long run still fits a
 * chart) and counts, per bucket, the requests completed and the reads the cache served.
 */
export function loadTimeSeries(
  result: MixedLoadResult,
  bucketMs = bucketWidth(result.elapsedMs),
): LoadTimeSeries {
  const { completions, elapsedMs, fault } = result;
  const count = (keep: (c: Completion) => boolean) =>
    bucketCounts(
      completions.filter(keep).map((c) => c.at),
      bucketMs,
      elapsedMs,
    );
  const requests = count(() => true);
  const reads = count(isRead);
  const cached = count(fromCache);
  const rows = requests.map((n, i): TimeSeriesRow => {
    const fromMs = i * bucketMs;
    const toMs = Math.min(elapsedMs, fromMs + bucketMs);
    const r = reads[i] ?? 0;
    const c = cached[i] ?? 0;
    return {
      fromMs,
      toMs,
      requests: n,
      throughput: toMs > fromMs ? (n * 1000) / (toMs - fromMs) : 0,
      reads: r,
      readsFromCache: c,
      hitRatio: r > 0 ? c / r : null,
      fault: fault !== undefined && fromMs < fault.healedAt && toMs > fault.startedAt,
    };
  });
  return { bucketMs, rows, ...(fault && { fault }) };
}

/** Reads among the last `share` (0..1) of completed requests, and how many the cache served. */
export function lateReads(
  result: MixedLoadResult,
  share: number,
): { reads: number; fromCache: number; ratio: number } {
  const last = result.completions.slice(
    -Math.max(1, Math.round(result.completions.length * share)),
  );
  const reads = last.filter(isRead).length;
  const served = last.filter(fromCache).length;
  return { reads, fromCache: served, ratio: reads === 0 ? 1 : served / reads };
}

/** The dip and the recovery in figures, for the report and the step's message. */
export interface Recovery {
  /** Mean requests/s over the buckets wholly before the fault, wholly within it, and after it. */
  throughputBefore: number;
  throughputDuring: number;
  throughputAfter: number;
  /** Share of reads the cache served while the fault was in effect. */
  hitRatioDuring: number;
  /**
   * Milliseconds from the healing to the start of the first bucket from which every bucket's hit
   * ratio is at least `threshold`; null if the run ended before that.
   */
  recoveredMsAfterHeal: number | null;
}

export function recovery(series: LoadTimeSeries, threshold = 0.99): Recovery | undefined {
  const { rows, fault } = series;
  if (!fault) return undefined;
  const mean = (keep: (r: TimeSeriesRow) => boolean) => {
    const kept = rows.filter(keep);
    return kept.length ? kept.reduce((sum, r) => sum + r.throughput, 0) / kept.length : 0;
  };
  const during = rows.filter((r) => r.fromMs >= fault.startedAt && r.toMs <= fault.healedAt);
  const duringReads = during.reduce((sum, r) => sum + r.reads, 0);
  let recoveredAt: number | null = null;
  for (const row of rows) {
    if (row.toMs <= fault.healedAt) continue;
    if (row.hitRatio !== null && row.hitRatio < threshold) recoveredAt = null;
    else recoveredAt ??= row.fromMs;
  }
  return {
    throughputBefore: mean((r) => r.toMs <= fault.startedAt),
    throughputDuring: mean((r) => r.fromMs >= fault.startedAt && r.toMs <= fault.healedAt),
    throughputAfter: mean((r) => r.fromMs >= fault.healedAt),
    hitRatioDuring: duringReads
      ? during.reduce((sum, r) => sum + r.readsFromCache, 0) / duringReads
      : 1,
    recoveredMsAfterHeal: recoveredAt === null ? null : Math.max(0, recoveredAt - fault.healedAt),
  };
}

/** The series as CSV: a summary of the fault and the recovery, then one row per bucket. */
export function timeSeriesCsv(series: LoadTimeSeries): string {
  const { fault } = series;
  const summary = recovery(series);
  const lines = ["measure,value", `bucket ms,${series.bucketMs}`];
  if (fault && summary) {
    lines.push(
      `fault,${fault.name}`,
      `fault started at ms,${fault.startedAt.toFixed(0)}`,
      `fault healed at ms,${fault.healedAt.toFixed(0)}`,
      `fault started after requests,${fault.startedAfterRequests}`,
      `healing started after requests,${fault.healedAfterRequests}`,
      `throughput before requests/s,${summary.throughputBefore.toFixed(0)}`,
      `throughput during requests/s,${summary.throughputDuring.toFixed(0)}`,
      `throughput after requests/s,${summary.throughputAfter.toFixed(0)}`,
      `cache hit ratio during,${summary.hitRatioDuring.toFixed(4)}`,
      `hit ratio back to 99 % after heal ms,${summary.recoveredMsAfterHeal?.toFixed(0) ?? "never"}`,
    );
  }
  lines.push(
    "",
    "from ms,to ms,requests,throughput requests/s,reads,reads from cache,cache hit ratio,fault",
    ...series.rows.map((r) =>
      [
        r.fromMs.toFixed(0),
        r.toMs.toFixed(0),
        r.requests,
        r.throughput.toFixed(0),
        r.reads,
        r.readsFromCache,
        r.hitRatio === null ? "" : r.hitRatio.toFixed(4),
        r.fault ? "yes" : "no",
      ].join(","),
    ),
  );
  return `${lines.join("\n")}\n`;
}
