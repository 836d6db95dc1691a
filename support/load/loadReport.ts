import { latencyHistogramSvg } from "../../charts/latencyHistogram";
import { timeSeriesChartSvg } from "../../charts/timeSeriesChart";
import type { LatencySummary, StatsSnapshot } from "../../store";
import { statsTable } from "../report";
import { type MixedLoadResult, REQUEST_KINDS } from "./MixedLoad";
import { type LoadTimeSeries, loadTimeSeries, timeSeriesCsv } from "./timeSeries";

/** One attachment for the report: what cucumber's `attach` takes. */
export interface Attachment {
  body: string;
  mediaType: string;
  fileName: string;
}

const fmt = (ms: number): string => ms.toFixed(ms >= 10 ? 1 : 3);

function percentiles(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : 0,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.at(-1) ?? 0,
  };
}

const HEADER = "count,mean ms,p50 ms,p90 ms,p99 ms,max ms";
const row = (name: string, s: LatencySummary) =>
  [name, s.count, fmt(s.mean), fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.max)].join(",");

/** Throughput, then latency percentiles per request kind (client side) and per store command. */
export function latencyCsv(result: MixedLoadResult, stats: StatsSnapshot): string {
  const lines = [
    "measure,value",
    `users,${result.users}`,
    `requests,${result.requests}`,
    `errors,${result.errors.length}`,
    `elapsed ms,${result.elapsedMs.toFixed(0)}`,
    `throughput requests/s,${result.throughput.toFixed(0)}`,
    `cache hit ratio,${hitRatio(stats).toFixed(4)}`,
    "",
    `request (client side),${HEADER}`,
    ...REQUEST_KINDS.map((k) => row(k, percentiles(result.latencies[k]))),
    "",
    `store command,${HEADER}`,
    ...(["cache", "dynamodb"] as const).flatMap((store) =>
      Object.entries(stats.commands[store])
        .filter(([, s]) => s.count > 0)
        .map(([command, s]) => row(`${store} ${command}`, s)),
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** Cache lookups that found the session, of all cache lookups (1 when there were none). */
export function hitRatio(stats: StatsSnapshot): number {
  return stats.cache.reads === 0 ? 1 : stats.cache.hits / stats.cache.reads;
}

/** What a load run attaches to the report: summary, histogram chart, statistics table. */
export function loadAttachments(result: MixedLoadResult, stats: StatsSnapshot): Attachment[] {
  const title = `Request latency: ${result.users} users, ${result.requests} requests, ${result.throughput.toFixed(0)} requests/s`;
  return [
    {
      body: latencyCsv(result, stats),
      mediaType: "text/csv",
      fileName: "load throughput and latency.csv",
    },
    {
      body: latencyHistogramSvg({ title, samples: result.latencies }),
      mediaType: "image/svg+xml",
      fileName: "latency histogram.svg",
    },
    { body: statsTable(stats), mediaType: "text/csv", fileName: "load statistics.csv" },
  ];
}

/** Throughput and cache hit ratio over the run, in two panels, the fault (if any) shaded. */
function timeSeriesSvg(result: MixedLoadResult, series: LoadTimeSeries): string {
  const { rows, fault } = series;
  const title = `Throughput and cache hit ratio: ${result.users} users, ${result.requests} requests`;
  return timeSeriesChartSvg({
    title,
    xLabel: `seconds since the load began (${series.bucketMs} ms buckets)`,
    x: rows.map((r) => (r.fromMs + r.toMs) / 2000),
    xMax: result.elapsedMs / 1000,
    panels: [
      {
        yLabel: "requests/s",
        series: [{ name: "throughput", values: rows.map((r) => r.throughput) }],
      },
      {
        yLabel: "reads served by the cache (%)",
        yMax: 100,
        series: [
          {
            name: "cache hit ratio",
            values: rows.map((r) => (r.hitRatio === null ? null : r.hitRatio * 100)),
          },
        ],
      },
    ],
    bands: fault
      ? [{ from: fault.startedAt / 1000, to: fault.healedAt / 1000, label: fault.name }]
      : [],
  });
}

/** The run as a time series: the chart and its numbers. */
export function timeSeriesAttachments(result: MixedLoadResult): Attachment[] {
  const series = loadTimeSeries(result);
  return [
    {
      body: timeSeriesSvg(result, series),
      mediaType: "image/svg+xml",
      fileName: "throughput and hit ratio over time.svg",
    },
    {
      body: timeSeriesCsv(series),
      mediaType: "text/csv",
      fileName: "throughput and hit ratio over time.csv",
    },
  ];
}
