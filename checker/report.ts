import { clip, textTable } from "../common/textTable";
import type { Verdict, VerdictSummary } from "./checkHistory";
import type { FaultEvent, History, HistoryEvent, InvokeEvent, OkEvent } from "./History";

/** The verdict as plain text: one line, then each violation with its excerpt as a table. */
export function renderVerdict(verdict: Verdict): string {
  const { summary, violations } = verdict;
  const head = verdict.ok
    ? `PASS: no violation in ${scope(summary)}`
    : `FAIL: ${violations.length} violation(s) (${countsByKind(summary)}) in ${scope(summary)}`;
  const sections = violations.map((v, i) => {
    const focus = new Set(v.focus);
    const rows = v.excerpt.map((e) => [
      focus.has(e.index) ? "*" : "",
      `#${e.index}`,
      `+${Math.round(e.at - summary.startedAt)}`,
      ...eventCells(e),
    ]);
    const table = textTable(
      ["", "event", "t (ms)", "user", "op", "phase", "version", "note"],
      rows,
      ["left", "right", "right", "left", "left", "left", "right", "left"],
      { indent: "    " },
    );
    return `${i + 1}. ${v.kind} in session ${v.sessionId}: ${v.message}\n${table}`;
  });
  const legend = violations.length ? ["(* marks the events each violation is about)"] : [];
  return [head, ...sections, ...legend].join("\n\n");
}

/** Options of renderTimeline. */
export interface TimelineOptions {
  /** Equal slices the run is cut into. Default: 10. */
  buckets?: number;
}

/**
 * What happened when: each fault's start and heal, then per slice of the run the operations
 * invoked, completed ok and failed, and which store served the reads that completed in it.
 */
export function renderTimeline(history: History, options: TimelineOptions = {}): string {
  const events = history.events;
  const first = events[0];
  if (!first) return "Timeline: no events recorded";
  const t0 = first.at;
  const span = (events.at(-1)?.at ?? t0) - t0;
  const count = span > 0 ? Math.max(1, options.buckets ?? 10) : 1;
  const width = span / count;
  const bucketOf = (at: number) =>
    width > 0 ? Math.min(count - 1, Math.floor((at - t0) / width)) : 0;

  const faults = events.filter((e): e is FaultEvent => e.type === "fault");
  const letters = new Map<string, string>();
  for (const f of faults) if (!letters.has(f.name)) letters.set(f.name, keyOf(letters.size));

  const rows = Array.from({ length: count }, () => ({
    invoked: 0,
    ok: 0,
    failed: 0,
    cache: 0,
    dynamodb: 0,
    none: 0,
    faults: new Set<string>(),
  }));
  for (const e of events) {
    const row = rows[bucketOf(e.at)];
    if (!row || e.type !== "op") continue;
    if (e.phase === "invoke") row.invoked++;
    else if (e.phase === "fail") row.failed++;
    else {
      row.ok++;
      if (e.op === "read") {
        if (e.result.kind === "session") row[e.result.session.source]++;
        else row.none++;
      }
    }
  }
  for (const { name, from, to } of faultIntervals(faults, events.at(-1)?.at ?? t0)) {
    for (let b = bucketOf(from); b <= bucketOf(to); b++)
      rows[b]?.faults.add(letters.get(name) ?? "?");
  }

  const operations = events.filter((e) => e.type === "op" && e.phase === "invoke").length;
  const head = `Timeline: ${operations} operations over ${seconds(span)}; times from the first event; each column counts the events of that kind within the slice`;
  const faultLines = faults.length
    ? textTable(
        ["key", "at", "action", "fault"],
        faults.map((f) => [letters.get(f.name) ?? "?", `+${seconds(f.at - t0)}`, f.action, f.name]),
        ["left", "right", "left", "left"],
        { indent: "  " },
      )
    : "  (no faults)";
  const bucketTable = textTable(
    ["from", "to", "invoked", "ok", "failed", "read:cache", "read:dynamodb", "read:none", "faults"],
    rows.map((r, b) => [
      `+${seconds(b * width)}`,
      `+${seconds(b === count - 1 ? span : (b + 1) * width)}`,
      String(r.invoked),
      String(r.ok),
      String(r.failed),
      String(r.cache),
      String(r.dynamodb),
      String(r.none),
      [...r.faults].sort().join(" "),
    ]),
    ["right", "right", "right", "right", "right", "right", "right", "right", "left"],
    { indent: "  " },
  );
  return [head, "Faults:", faultLines, "Operations:", bucketTable].join("\n");
}

function scope(s: VerdictSummary): string {
  return (
    `${s.operations} operations on ${s.sessions} sessions (${s.ok} ok, ${s.failed} failed, ${s.pending} pending; ` +
    `${s.reads} reads: ${s.readsFromCache} from the cache, ${s.readsFromDynamoDb} from DynamoDB, ` +
    `${s.readsOfNothing} found nothing; ${s.faults} fault(s))`
  );
}

function countsByKind(s: VerdictSummary): string {
  return Object.entries(s.violations)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
}

/** user, op, phase, version, note. */
function eventCells(e: HistoryEvent): string[] {
  if (e.type === "fault") return ["", "fault", e.action, "", e.name];
  switch (e.phase) {
    case "invoke":
      return [e.user, e.op, "invoke", "", inputNote(e)];
    case "fail":
      return [e.user, e.op, "fail", "", clip(`${e.error}: ${e.message}`, 60)];
    case "ok": {
      const version = e.result.kind === "session" ? String(e.result.session.version) : "";
      return [e.user, e.op, "ok", version, resultNote(e)];
    }
  }
}

function inputNote(e: InvokeEvent): string {
  const parts: string[] = [];
  if (e.input.dataJson !== undefined) parts.push(`data ${clip(e.input.dataJson)}`);
  if (e.input.ttlSeconds !== undefined) parts.push(`ttl ${e.input.ttlSeconds} s`);
  return parts.join(", ");
}

function resultNote(e: OkEvent): string {
  const r = e.result;
  if (r.kind === "deleted") return r.removed ? "removed" : "nothing to remove";
  if (r.kind === "none") return "no session";
  const s = r.session;
  return `data ${clip(s.dataJson)}, expires ${s.expiresAt} s, from ${s.source}`;
}

/** Each start paired with the next heal of the same fault; an unhealed fault lasts to `end`. */
function faultIntervals(
  faults: readonly FaultEvent[],
  end: number,
): { name: string; from: number; to: number }[] {
  const open = new Map<string, number>();
  const intervals: { name: string; from: number; to: number }[] = [];
  for (const f of faults) {
    const from = open.get(f.name);
    if (f.action === "start") {
      if (from === undefined) open.set(f.name, f.at);
    } else if (from !== undefined) {
      intervals.push({ name: f.name, from, to: f.at });
      open.delete(f.name);
    }
  }
  for (const [name, from] of open) intervals.push({ name, from, to: end });
  return intervals;
}

/** A, B, ... Z, then F27, F28, ... */
const keyOf = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : `F${i + 1}`);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
