import type { StatsSnapshot, StoreCounters } from "../store";

const COUNTERS: (keyof StoreCounters)[] = [
  "reads",
  "hits",
  "misses",
  "writes",
  "restores",
  "errors",
  "fallbacks",
];

/** The store's counters and latencies as CSV, which the Allure report shows as a table. */
export function statsTable(stats: StatsSnapshot): string {
  const rows = [
    ["store", ...COUNTERS],
    ["cache", ...COUNTERS.map((c) => String(stats.cache[c]))],
    ["dynamodb", ...COUNTERS.map((c) => String(stats.dynamodb[c]))],
    [],
    ["operation", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"],
    ...Object.entries(stats.operations)
      .filter(([, s]) => s.count > 0)
      .map(([op, s]) =>
        [op, s.count, s.p50, s.p90, s.p99, s.max].map((v) => (typeof v === "number" ? fmt(v) : v)),
      ),
  ];
  return `${rows.map((r) => r.join(",")).join("\n")}\n`;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3));
