import {
  axisLine,
  element,
  formatTick,
  niceTicks,
  PALETTE,
  round,
  svgDocument,
  text,
  yGrid,
} from "./svg";

/** One fault as a bar on its class's row. */
export interface FaultBar {
  row: string;
  /** Seconds from the start. */
  from: number;
  to: number;
  /** What it targeted ("a", "all", "cluster"): bars of one target share a colour. */
  target: string;
}

export interface CampaignTimelineInput {
  title: string;
  /** The x of each point, in seconds (the middle of each time bucket). */
  x: readonly number[];
  /** Operations per second, one series per app server. */
  rates: readonly { name: string; values: readonly number[] }[];
  faults: readonly FaultBar[];
  /** Seconds at which an anomaly's operation happened. */
  anomalies: readonly { at: number; label: string }[];
  /** Pixels. Default: 960. */
  width?: number;
}

const MARGIN = { top: 56, right: 24, bottom: 48, left: 150 };
const ROW_H = 16;
const RATE_H = 180;
const GAP = 28;
const ANOMALY = "#C00000";

/**
 * A campaign as one picture: the faults as bars on one row per class (a colour per target), the
 * operations per second of every app server below them, and a red line at every anomaly. Bars
 * carry `data-fault`, lines `data-series`, anomaly marks `data-anomaly`.
 */
export function campaignTimelineSvg(input: CampaignTimelineInput): string {
  const width = input.width ?? 960;
  const rows = [...new Set(input.faults.map((f) => f.row))].sort();
  const targets = [...new Set(input.faults.map((f) => f.target))].sort();
  const faultsH = Math.max(1, rows.length) * ROW_H;
  const height = MARGIN.top + faultsH + GAP + RATE_H + MARGIN.bottom;
  const plotW = width - MARGIN.left - MARGIN.right;
  const xTop = Math.max(1, ...input.x, ...input.faults.map((f) => f.to));
  const px = (v: number) => MARGIN.left + (Math.min(Math.max(v, 0), xTop) / xTop) * plotW;
  const colourOf = (target: string) => PALETTE[targets.indexOf(target) % PALETTE.length];
  const parts: string[] = [];

  rows.forEach((row, i) => {
    const y = MARGIN.top + i * ROW_H;
    parts.push(
      text(MARGIN.left - 6, y + ROW_H - 4, row, { "text-anchor": "end" }),
      element("line", {
        x1: MARGIN.left,
        x2: MARGIN.left + plotW,
        y1: y + ROW_H,
        y2: y + ROW_H,
        stroke: "#eeeeee",
      }),
    );
  });
  for (const f of input.faults) {
    const y = MARGIN.top + rows.indexOf(f.row) * ROW_H + 2;
    parts.push(
      element("rect", {
        x: px(f.from),
        y,
        width: Math.max(1, px(f.to) - px(f.from)),
        height: ROW_H - 4,
        fill: colourOf(f.target),
        "fill-opacity": 0.7,
        "data-fault": `${f.row} @ ${f.target}`,
      }),
    );
  }

  const top = MARGIN.top + faultsH + GAP;
  const bottom = top + RATE_H;
  const largest = Math.max(1, ...input.rates.flatMap((s) => s.values));
  const yTicks = niceTicks(largest, 4);
  const yTop = yTicks.at(-1) ?? 1;
  const py = (v: number) => bottom - (Math.min(Math.max(v, 0), yTop) / yTop) * RATE_H;
  parts.push(...yGrid(yTicks, py, MARGIN.left, MARGIN.left + plotW));
  input.rates.forEach((series, i) => {
    const d = input.x.map(
      (x, j) => `${j === 0 ? "M" : "L"}${round(px(x))} ${round(py(series.values[j] ?? 0))}`,
    );
    parts.push(
      element("path", {
        d: d.join(" "),
        fill: "none",
        stroke: PALETTE[(i + targets.length) % PALETTE.length],
        "stroke-width": 1.5,
        "data-series": series.name,
      }),
    );
  });
  parts.push(
    text(MARGIN.left - 40, (top + bottom) / 2, "ops/s", { "text-anchor": "middle" }),
    axisLine(MARGIN.left, MARGIN.left + plotW, bottom),
  );
  for (const a of input.anomalies) {
    parts.push(
      element("line", {
        x1: px(a.at),
        x2: px(a.at),
        y1: MARGIN.top,
        y2: bottom,
        stroke: ANOMALY,
        "stroke-width": 1,
        "data-anomaly": a.label,
      }),
    );
  }
  for (const tick of niceTicks(xTop, Math.max(2, Math.round(plotW / 80))).filter(
    (t) => t <= xTop,
  )) {
    parts.push(text(px(tick), bottom + 16, formatTick(tick), { "text-anchor": "middle" }));
  }
  parts.push(
    text(MARGIN.left + plotW / 2, height - 12, "seconds since the start", {
      "text-anchor": "middle",
    }),
  );
  let at = MARGIN.left;
  const legend = [
    ...targets.map((t) => ({ label: `fault on ${t}`, colour: colourOf(t) })),
    ...input.rates.map((s, i) => ({
      label: s.name,
      colour: PALETTE[(i + targets.length) % PALETTE.length],
    })),
    ...(input.anomalies.length ? [{ label: "anomaly", colour: ANOMALY }] : []),
  ];
  for (const { label, colour } of legend) {
    parts.push(
      element("rect", { x: at, y: 30, width: 12, height: 12, fill: colour ?? "#000000" }),
      text(at + 16, 40, label),
    );
    at += 28 + 6.2 * label.length;
  }
  return svgDocument(input.title, width, height, parts);
}
