import { clip, textTable } from "../common/textTable";
import type { FaultEvent, History, HistoryEvent, InvokeEvent, OkEvent } from "./History";
import { faultWindowsOf } from "./Operation";
import { compactSummary, type Verdict, type VerdictSummary } from "./Verdict";

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
      ...eventCells(e, summary.startedAt),
    ]);
    const table = textTable(
      ["", "event", "t (ms)", "server", "user", "op", "phase", "version", "note"],
      rows,
      ["left", "right", "right", "left", "left", "left", "left", "right", "left"],
      { indent: "    " },
    );
    return `${i + 1}. ${v.kind} in session ${v.sessionId}: ${v.message}\n${table}`;
  });
  const legend = violations.length ? ["(* marks the events each violation is about)"] : [];
  return [head, ...sections, ...legend].join("\n\n");
}

/** The verdict as one line of JSON: anomaly counts, outcomes, operations per server. */
export function renderCompactSummary(verdict: Verdict): string {
  return JSON.stringify(compactSummary(verdict));
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
  for (const f of faults)
    if (!letters.has(faultKey(f))) letters.set(faultKey(f), keyOf(letters.size));

  const rows = Array.from({ length: count }, () => ({
    invoked: 0,
    ok: 0,
    failed: 0,
    info: 0,
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
    else if (e.phase === "info") row.info++;
    else {
      row.ok++;
      if (e.op === "read") {
        if (e.result.kind === "session") row[e.result.session.source]++;
        else row.none++;
      }
    }
  }
  const end = events.at(-1)?.at ?? t0;
  for (const w of faultWindowsOf(faults)) {
    const letter = letters.get(faultKey(w.started)) ?? "?";
    for (let b = bucketOf(w.from); b <= bucketOf(Math.min(w.to, end)); b++)
      rows[b]?.faults.add(letter);
  }

  const operations = events.filter((e) => e.type === "op" && e.phase === "invoke").length;
  const head = `Timeline: ${operations} operations over ${seconds(span)}; times from the first event; each column counts the events of that kind within the slice`;
  const faultLines = faults.length
    ? textTable(
        ["key", "at", "action", "fault", "class", "target"],
        faults.map((f) => [
          letters.get(faultKey(f)) ?? "?",
          `+${seconds(f.at - t0)}`,
          f.action,
          f.name,
          f.class === f.name ? "" : f.class,
          f.target ?? "",
        ]),
        ["left", "right", "left", "left", "left", "left"],
        { indent: "  " },
      )
    : "  (no faults)";
  const bucketTable = textTable(
    [
      "from",
      "to",
      "invoked",
      "ok",
      "failed",
      "info",
      "read:cache",
      "read:dynamodb",
      "read:none",
      "faults",
    ],
    rows.map((r, b) => [
      `+${seconds(b * width)}`,
      `+${seconds(b === count - 1 ? span : (b + 1) * width)}`,
      String(r.invoked),
      String(r.ok),
      String(r.failed),
      String(r.info),
      String(r.cache),
      String(r.dynamodb),
      String(r.none),
      [...r.faults].sort().join(" "),
    ]),
    ["right", "right", "right", "right", "right", "right", "right", "right", "right", "left"],
    { indent: "  " },
  );
  return [head, "Faults:", faultLines, "Operations:", bucketTable].join("\n");
}

function scope(s: VerdictSummary): string {
  return (
    `${s.operations} operations on ${s.sessions} sessions (${s.ok} ok, ${s.failed} failed, ${s.info} info, ${s.pending} pending; ` +
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

/** server (a fault's target), user, op, phase, version, note. */
function eventCells(e: HistoryEvent, startedAt: number): string[] {
  if (e.type === "fault") {
    const note = e.class === e.name ? e.name : `${e.name} [${e.class}]`;
    return [e.target ?? "", "", "fault", e.action, "", note];
  }
  const server = e.server ?? "";
  switch (e.phase) {
    case "invoke":
      return [server, e.user, e.op, "invoke", "", inputNote(e)];
    case "fail":
    case "info":
      return [server, e.user, e.op, e.phase, "", clip(`${e.error}: ${e.message}`, 60)];
    case "ok": {
      const version = e.result.kind === "session" ? String(e.result.session.version) : "";
      return [server, e.user, e.op, "ok", version, resultNote(e, startedAt)];
    }
  }
}

function inputNote(e: InvokeEvent): string {
  const parts: string[] = [];
  if (e.input.dataJson !== undefined) parts.push(`data ${clip(e.input.dataJson)}`);
  if (e.input.ttlSeconds !== undefined) parts.push(`ttl ${e.input.ttlSeconds} s`);
  return parts.join(", ");
}

function resultNote(e: OkEvent, startedAt: number): string {
  const r = e.result;
  if (r.kind === "deleted") return r.removed ? "removed" : "nothing to remove";
  if (r.kind === "none") return "no session";
  const s = r.session;
  const created = Math.round(s.createdAt - startedAt);
  return `data ${clip(s.dataJson)}, expires ${s.expiresAt} s, from ${s.source}, created +${created}`;
}

/** A fault's letter is shared by its start and heal: same words, same target. */
const faultKey = (f: FaultEvent): string => `${f.name}\u0000${f.target ?? ""}`;

/** A, B, ... Z, then F27, F28, ... */
const keyOf = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : `F${i + 1}`);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
