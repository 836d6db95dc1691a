import { campaignTimelineSvg } from "../charts/campaignTimeline";
import { renderCompactSummary, renderTimeline, renderVerdict } from "../checker/report";
import { textTable } from "../common/textTable";
import { type AllureAttachment, writeAllureResult } from "./allureResults";
import type { CampaignRun } from "./runCampaign";

/** Seconds per bucket of the timeline's operations-per-second lines. */
const BUCKET_S = 1;

/** The fault schedule as a table: when each fault started and healed, its class and target. */
export function scheduleTable(run: CampaignRun): string {
  const rows = run.schedule.map((f) => [
    (f.start / 1000).toFixed(1),
    (f.heal / 1000).toFixed(1),
    f.class,
    f.target,
    f.offsetMs !== undefined
      ? `clock ${f.offsetMs > 0 ? "+" : ""}${f.offsetMs} ms`
      : f.node !== undefined
        ? `node ${f.node}`
        : "",
  ]);
  return textTable(["start s", "heal s", "class", "target", "detail"], rows, ["right", "right"]);
}

/** The campaign's picture: fault bars, operations per second per server, anomalies marked. */
export function timelineSvg(run: CampaignRun): string {
  const t0 = run.startedAt;
  const span = Math.max(1, Math.ceil((run.finishedAt - t0) / 1000));
  const x = Array.from({ length: Math.ceil(span / BUCKET_S) }, (_, i) => (i + 0.5) * BUCKET_S);
  const rates = run.serverNames.map((name) => {
    const values = x.map(() => 0);
    const server = `app server ${name.toUpperCase()}`;
    for (const e of run.history.events) {
      if (e.type !== "op" || e.phase === "invoke" || e.server !== server) continue;
      const bucket = Math.floor((e.at - t0) / 1000 / BUCKET_S);
      if (bucket >= 0 && bucket < values.length)
        values[bucket] = (values[bucket] ?? 0) + 1 / BUCKET_S;
    }
    return { name: server, values };
  });
  const faults = run.schedule.map((f) => ({
    row: f.class,
    from: f.start / 1000,
    to: f.heal / 1000,
    target: f.target,
  }));
  const byIndex = new Map(run.history.events.map((e) => [e.index, e.at]));
  const anomalies = run.verdict.violations.map((v) => ({
    at: ((byIndex.get(v.focus[0] ?? -1) ?? t0) - t0) / 1000,
    label: `${v.kind} ${v.sessionId}`,
  }));
  return campaignTimelineSvg({
    title: `Campaign, seed ${run.options.seed}`,
    x,
    rates,
    faults,
    anomalies,
  });
}

/** One Allure result for the campaign: the seed, the schedule, the timeline, the verdict. */
export function writeCampaignReport(run: CampaignRun, resultsDir: string): string {
  const { options, verdict } = run;
  const settings = [
    `seed: ${options.seed}`,
    `app servers: ${run.serverNames.map((n) => n.toUpperCase()).join(", ")}`,
    `operations planned: ${run.plan.length} over ${(options.durationMs / 1000).toFixed(0)} s`,
    `faults: ${run.schedule.length} of ${new Set(run.schedule.map((f) => f.class)).size} classes`,
    `staleness bound per class (ms): ${JSON.stringify(run.stalenessMs)}`,
    `replay: npm run campaign -- --seed ${options.seed} --seconds ${Math.round(options.durationMs / 1000)} --servers ${options.servers}`,
  ].join("\n");
  const attachments: AllureAttachment[] = [
    { name: "campaign", body: settings, type: "text/plain", extension: "txt" },
    { name: "fault schedule", body: scheduleTable(run), type: "text/plain", extension: "txt" },
    { name: "timeline", body: timelineSvg(run), type: "image/svg+xml", extension: "svg" },
    { name: "verdict", body: renderVerdict(verdict), type: "text/plain", extension: "txt" },
    {
      name: "summary",
      body: renderCompactSummary(verdict),
      type: "application/json",
      extension: "json",
    },
    {
      name: "history by time slice",
      body: renderTimeline(run.history),
      type: "text/plain",
      extension: "txt",
    },
    {
      name: "history",
      body: run.history.events.map((e) => JSON.stringify(e)).join("\n"),
      type: "application/x-ndjson",
      extension: "ndjson",
    },
  ];
  return writeAllureResult(resultsDir, {
    name: `Campaign, seed ${options.seed}, ${run.serverNames.length} servers`,
    fullName: `campaign:seed-${options.seed}:servers-${options.servers}`,
    status: verdict.ok ? "passed" : "failed",
    start: run.startedAt,
    stop: run.finishedAt,
    labels: {
      suite: "Campaigns",
      feature: "Many app servers, hostile networks",
      story: `seed ${options.seed}`,
      tag: "campaign",
    },
    parameters: {
      seed: String(options.seed),
      servers: String(options.servers),
      seconds: String(Math.round(options.durationMs / 1000)),
    },
    description: run.line,
    statusMessage: verdict.ok ? undefined : renderVerdict(verdict).split("\n")[0],
    attachments,
  });
}
