import { type BarSeries, barChartSvg } from "./barChart";
import { formatTick } from "./svg";

export interface LatencyHistogramInput {
  title: string;
  /** Latencies in milliseconds, by operation (one stacked series each). */
  samples: Readonly<Record<string, readonly number[]>>;
}

/** Bin edges 1, 2, 5 × 10^n ms from below the fastest sample to above the slowest. */
export function binEdges(min: number, max: number): number[] {
  const floor = 0.01;
  let magnitude = 10 ** Math.floor(Math.log10(Math.max(floor, min)));
  const edges: number[] = [];
  for (;;) {
    for (const m of [1, 2, 5]) {
      const edge = Number((m * magnitude).toPrecision(6));
      if (edge <= Math.max(floor, min) || edges.length === 0) {
        edges.splice(0, edges.length, edge);
        continue;
      }
      edges.push(edge);
      if (edge > max) return edges;
    }
    magnitude *= 10;
  }
}

/**
 * Counts samples into logarithmic bins (1-2-5 edges), because request latencies span orders of
 * magnitude. Category i is the bin [edges[i], edges[i+1]), labelled by its lower edge.
 */
export function binLatencies(samples: Readonly<Record<string, readonly number[]>>): {
  categories: string[];
  series: BarSeries[];
  edges: number[];
} {
  const all = Object.values(samples).flat();
  const min = all.length ? Math.min(...all) : 0.1;
  const max = all.length ? Math.max(...all) : 1;
  const edges = binEdges(min, max);
  const bins = edges.length - 1;
  const series = Object.entries(samples).map(([name, values]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) {
      let i = 0;
      while (i < bins - 1 && v >= (edges[i + 1] ?? Number.POSITIVE_INFINITY)) i++;
      counts[i] = (counts[i] ?? 0) + 1;
    }
    return { name, values: counts };
  });
  return { categories: edges.slice(0, bins).map(formatTick), series, edges };
}

/** A stacked latency histogram on a logarithmic latency axis, one colour per operation, as SVG. */
export function latencyHistogramSvg(input: LatencyHistogramInput): string {
  const { categories, series } = binLatencies(input.samples);
  return barChartSvg({
    title: input.title,
    xLabel: "latency in ms (lower edge of each bin; bins grow 1-2-5)",
    yLabel: "requests",
    categories,
    series,
  });
}
