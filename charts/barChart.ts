import { element, niceTicks, PALETTE, svgDocument, text, yGrid } from "./svg";

export interface BarSeries {
  name: string;
  /** One value per category; stacked on the series before it. */
  values: readonly number[];
}

export interface BarChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Labels under the bars, one per category. */
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Pixels. Default: 640. */
  width?: number;
  /** Pixels. Default: 360. */
  height?: number;
}

const MARGIN = { top: 48, right: 16, bottom: 64, left: 64 };

/**
 * A stacked bar chart as a standalone SVG document: title, y axis with round ticks and grid lines,
 * category labels, axis titles and a legend. Each bar carries `data-series` and `data-value`.
 */
export function barChartSvg(input: BarChartInput): string {
  const { title, xLabel, yLabel, categories, series } = input;
  const width = input.width ?? 640;
  const height = input.height ?? 360;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const totals = categories.map((_, i) =>
    series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0),
  );
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks.at(-1) ?? 1;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, categories.length);
  const barW = Math.max(1, slot * 0.8);

  const parts = yGrid(ticks, y, MARGIN.left, MARGIN.left + plotW);
  const labelEvery = Math.max(1, Math.ceil(categories.length / 12));
  categories.forEach((category, i) => {
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    let base = 0;
    series.forEach((s, k) => {
      const value = Math.max(0, s.values[i] ?? 0);
      if (value > 0) {
        parts.push(
          element("rect", {
            x,
            y: y(base + value),
            width: barW,
            height: y(base) - y(base + value),
            fill: PALETTE[k % PALETTE.length],
            "data-series": s.name,
            "data-value": value,
          }),
        );
      }
      base += value;
    });
    if (i % labelEvery === 0) {
      parts.push(
        text(x + barW / 2, MARGIN.top + plotH + 16, category, { "text-anchor": "middle" }),
      );
    }
  });
  parts.push(
    element("line", {
      x1: MARGIN.left,
      x2: MARGIN.left + plotW,
      y1: y(0),
      y2: y(0),
      stroke: "#333333",
    }),
    element("line", {
      x1: MARGIN.left,
      x2: MARGIN.left,
      y1: MARGIN.top,
      y2: y(0),
      stroke: "#333333",
    }),
    text(MARGIN.left + plotW / 2, height - 16, xLabel, { "text-anchor": "middle" }),
    text(16, MARGIN.top + plotH / 2, yLabel, {
      "text-anchor": "middle",
      transform: `rotate(-90 16 ${MARGIN.top + plotH / 2})`,
    }),
  );
  series.forEach((s, k) => {
    const x = MARGIN.left + k * 110;
    parts.push(
      element("rect", { x, y: 32, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }),
      text(x + 14, 41, s.name),
    );
  });
  return svgDocument(title, width, height, parts);
}
