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

export interface LineSeries {
  name: string;
  /** One value per point of the chart's `x`; null leaves a gap in the line. */
  values: readonly (number | null)[];
}

/** One panel of the stack, with its own y axis; every panel shares the x axis. */
export interface TimeSeriesPanel {
  yLabel: string;
  series: readonly LineSeries[];
  /** Top of the y axis. Default: a round value at or above the largest value. */
  yMax?: number;
}

/** A shaded span of x across every panel (while a fault was active, say). */
export interface TimeBand {
  from: number;
  to: number;
  label: string;
}

export interface TimeSeriesChartInput {
  title: string;
  xLabel: string;
  /** The x of each point, ascending (e.g. seconds at the middle of each time bucket). */
  x: readonly number[];
  panels: readonly TimeSeriesPanel[];
  bands?: readonly TimeBand[];
  /** Right end of the x axis. Default: the largest x or band end. */
  xMax?: number;
  /** Pixels. Default: 720. */
  width?: number;
  /** Pixels. Default: 200 per panel plus 120. */
  height?: number;
}

const MARGIN = { top: 64, right: 24, bottom: 56, left: 72 };
/** Vertical pixels between two panels. */
const GAP = 32;
/** Rough width of one character of the 11 px legend text, to place the next entry. */
const CHAR_W = 6.2;
const BAND_FILL = "#D55E00";

/**
 * Line charts stacked in panels over one shared x axis, as a standalone SVG document: title,
 * legend, round ticks with grid lines, axis titles, and shaded bands labelled at the top. Each line
 * is a `path` carrying `data-series`; each band a `rect` carrying `data-band`, `data-from`, `data-to`.
 */
export function timeSeriesChartSvg(input: TimeSeriesChartInput): string {
  const { title, xLabel, x, panels } = input;
  const bands = input.bands ?? [];
  const width = input.width ?? 720;
  const height = input.height ?? 120 + 200 * Math.max(1, panels.length);
  const plotW = width - MARGIN.left - MARGIN.right;
  const panelH =
    (height - MARGIN.top - MARGIN.bottom - GAP * Math.max(0, panels.length - 1)) /
    Math.max(1, panels.length);
  const xTop = input.xMax ?? Math.max(0, ...x, ...bands.map((b) => b.to));
  // Round ticks inside the axis, which ends where the data ends rather than at a round number.
  const xTicks = niceTicks(xTop, Math.max(2, Math.round(plotW / 80))).filter(
    (t) => t <= xTop * (1 + 1e-9),
  );
  const px = (v: number) =>
    MARGIN.left + (xTop > 0 ? (Math.min(Math.max(v, 0), xTop) / xTop) * plotW : 0);
  const plotBottom = MARGIN.top + panels.length * panelH + GAP * Math.max(0, panels.length - 1);

  const parts: string[] = [];

  for (const band of bands) {
    const x1 = px(band.from);
    const x2 = px(band.to);
    parts.push(
      element("rect", {
        x: x1,
        y: MARGIN.top,
        width: Math.max(1, x2 - x1),
        height: plotBottom - MARGIN.top,
        fill: BAND_FILL,
        "fill-opacity": 0.15,
        "data-band": band.label,
        "data-from": band.from,
        "data-to": band.to,
      }),
      text((x1 + x2) / 2, MARGIN.top - 4, band.label, {
        "text-anchor": "middle",
        fill: BAND_FILL,
      }),
    );
  }

  let colour = 0;
  panels.forEach((panel, p) => {
    const top = MARGIN.top + p * (panelH + GAP);
    const bottom = top + panelH;
    const largest = Math.max(0, ...panel.series.flatMap((s) => s.values.filter(isNumber)));
    const yTicks = niceTicks(panel.yMax ?? largest, 4);
    const yTop = yTicks.at(-1) ?? 1;
    const py = (v: number) => bottom - (Math.min(Math.max(v, 0), yTop) / yTop) * panelH;
    parts.push(...yGrid(yTicks, py, MARGIN.left, MARGIN.left + plotW));
    for (const s of panel.series) {
      const stroke = PALETTE[colour++ % PALETTE.length];
      parts.push(
        element("path", {
          d: linePath(x, s.values, px, py),
          fill: "none",
          stroke,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "stroke-linecap": "round",
          "data-series": s.name,
        }),
      );
    }
    const middle = (top + bottom) / 2;
    parts.push(
      element("line", { x1: MARGIN.left, x2: MARGIN.left, y1: top, y2: bottom, stroke: "#333333" }),
      axisLine(MARGIN.left, MARGIN.left + plotW, bottom),
      text(16, middle, panel.yLabel, {
        "text-anchor": "middle",
        transform: `rotate(-90 16 ${round(middle)})`,
      }),
    );
  });

  for (const tick of xTicks) {
    parts.push(
      element("line", {
        x1: px(tick),
        x2: px(tick),
        y1: plotBottom,
        y2: plotBottom + 4,
        stroke: "#333333",
      }),
      text(px(tick), plotBottom + 16, formatTick(tick), { "text-anchor": "middle" }),
    );
  }
  parts.push(text(MARGIN.left + plotW / 2, height - 16, xLabel, { "text-anchor": "middle" }));
  parts.push(...legend(panels, bands));

  return svgDocument(title, width, height, parts);
}

const isNumber = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** Moves to the first point after each gap and draws to the next; a lone point is a round dot. */
function linePath(
  x: readonly number[],
  values: readonly (number | null)[],
  px: (v: number) => number,
  py: (v: number) => number,
): string {
  const commands: string[] = [];
  let drawing = false;
  x.forEach((xv, i) => {
    const v = values[i] ?? null;
    if (!isNumber(v)) {
      drawing = false;
      return;
    }
    commands.push(`${drawing ? "L" : "M"}${round(px(xv))} ${round(py(v))}`);
    const next = values[i + 1] ?? null;
    if (!drawing && !isNumber(next)) commands.push("h0");
    drawing = true;
  });
  return commands.join(" ");
}

/** A swatch and name for every series (in drawing order), then one per band label. */
function legend(panels: readonly TimeSeriesPanel[], bands: readonly TimeBand[]): string[] {
  const parts: string[] = [];
  let at = MARGIN.left;
  let colour = 0;
  for (const s of panels.flatMap((p) => p.series)) {
    const stroke = PALETTE[colour++ % PALETTE.length];
    parts.push(
      element("line", { x1: at, x2: at + 16, y1: 40, y2: 40, stroke, "stroke-width": 2 }),
      text(at + 20, 44, s.name),
    );
    at += 36 + CHAR_W * s.name.length;
  }
  for (const label of new Set(bands.map((b) => b.label))) {
    parts.push(
      element("rect", {
        x: at,
        y: 34,
        width: 16,
        height: 12,
        fill: BAND_FILL,
        "fill-opacity": 0.15,
      }),
      text(at + 20, 44, label),
    );
    at += 36 + CHAR_W * label.length;
  }
  return parts;
}
