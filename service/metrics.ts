/**
 * `store.stats()` in Prometheus' text exposition format (version 0.0.4): one counter family per
 * store counter, labelled by store, and one summary per latency histogram, in seconds.
 */
import type { LatencySummary, StatsSnapshot, StoreCounters, StoreName } from "../store";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const COUNTER_HELP: Record<keyof StoreCounters, string> = {
  hits: "Lookups this store answered with a session (or, in the cache, a deletion marker).",
  misses: "Lookups this store answered with nothing (absent or expired).",
  reads: "Lookups sent to this store, whatever their outcome.",
  writes: "Writes (creates, updates, touches, deletes) this store applied.",
  restores: "Entries written back to the cache after a miss (always 0 for DynamoDB).",
  errors: "Commands to this store that failed (timeout, connection, throttling, ...).",
  fallbacks: "Operations that went on without this store after it failed.",
};

const QUANTILES: [string, keyof LatencySummary][] = [
  ["0.5", "p50"],
  ["0.9", "p90"],
  ["0.99", "p99"],
];

type Labels = Record<string, string>;

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function sample(name: string, labels: Labels, value: number): string {
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  return `${name}${text ? `{${text}}` : ""} ${formatValue(value)}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

const seconds = (ms: number): number => ms / 1000;

function summaryLines(name: string, labels: Labels, s: LatencySummary): string[] {
  return [
    ...QUANTILES.map(([q, field]) => sample(name, { ...labels, quantile: q }, seconds(s[field]))),
    sample(`${name}_sum`, labels, seconds(s.mean * s.count)),
    sample(`${name}_count`, labels, s.count),
  ];
}

function family(name: string, type: "counter" | "gauge" | "summary", help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** The exposition text of one stats snapshot; ends with a newline. */
export function prometheusText(stats: StatsSnapshot): string {
  const stores: StoreName[] = ["cache", "dynamodb"];
  const lines: string[] = [];
  for (const counter of Object.keys(COUNTER_HELP) as (keyof StoreCounters)[]) {
    const name = `session_store_${counter}_total`;
    lines.push(...family(name, "counter", COUNTER_HELP[counter]));
    for (const store of stores) lines.push(sample(name, { store }, stats[store][counter]));
  }

  const operation = "session_store_operation_duration_seconds";
  lines.push(
    ...family(operation, "summary", "Latency of each public store operation, end to end."),
  );
  for (const [op, s] of Object.entries(stats.operations))
    lines.push(...summaryLines(operation, { operation: op }, s));

  const command = "session_store_command_duration_seconds";
  lines.push(...family(command, "summary", "Latency of the commands sent to each store."));
  for (const store of stores)
    for (const [cmd, s] of Object.entries(stats.commands[store]))
      lines.push(...summaryLines(command, { store, command: cmd }, s));

  const operationMax = "session_store_operation_duration_max_seconds";
  lines.push(...family(operationMax, "gauge", "Slowest of each store operation since the reset."));
  for (const [op, s] of Object.entries(stats.operations))
    lines.push(sample(operationMax, { operation: op }, seconds(s.max)));

  const commandMax = "session_store_command_duration_max_seconds";
  lines.push(...family(commandMax, "gauge", "Slowest command sent to each store since the reset."));
  for (const store of stores)
    for (const [cmd, s] of Object.entries(stats.commands[store]))
      lines.push(sample(commandMax, { store, command: cmd }, seconds(s.max)));

  const journal = "session_store_journal_total";
  lines.push(
    ...family(journal, "counter", "Writes acknowledged while DynamoDB was down, by stage."),
  );
  lines.push(sample(journal, { stage: "appended" }, stats.journal.appended));
  lines.push(sample(journal, { stage: "replayed" }, stats.journal.replayed));
  lines.push(sample(journal, { stage: "conflicts" }, stats.journal.conflicts));
  const pending = "session_store_journal_pending";
  lines.push(
    ...family(pending, "gauge", "1 while the journal may hold writes not yet in DynamoDB."),
  );
  lines.push(sample(pending, {}, stats.journal.pending ? 1 : 0));
  const repairs = "session_store_cache_repairs_pending";
  lines.push(...family(repairs, "gauge", "Sessions whose cache entry may be stale, to repair."));
  lines.push(sample(repairs, {}, stats.repairs.pending));
  const breaker = "session_store_cache_breaker_open";
  lines.push(...family(breaker, "gauge", "1 while the breaker in front of the cache is open."));
  lines.push(sample(breaker, {}, stats.cacheBreaker === "closed" ? 0 : 1));
  return `${lines.join("\n")}\n`;
}
