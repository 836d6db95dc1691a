import { describe, it } from "node:test";
import { expect } from "chai";
import { bucketCounts, bucketWidth } from "../../charts/timeBuckets";
import { type TimeSeriesChartInput, timeSeriesChartSvg } from "../../charts/timeSeriesChart";
import { timeSeriesAttachments } from "../../support/load/loadReport";
import type { Completion, MixedLoadResult } from "../../support/load/MixedLoad";
import { wellFormed } from "./wellFormed";

/** Every drawn line: its series name and its points (M starts a run, L continues it). */
const lines = (svg: string) =>
  [...svg.matchAll(/<path d="([^"]*)"[^>]*data-series="([^"]*)"/g)].map(([, d, series]) => ({
    series,
    runs: (d ?? "")
      .split("M")
      .filter((run) => run.trim() !== "")
      .map((run) =>
        [...run.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map(([, x, y]) => ({
          x: Number(x),
          y: Number(y),
        })),
      ),
    d: d ?? "",
  }));

const bands = (svg: string) =>
  [...svg.matchAll(/<rect ([^>]*data-band[^>]*)\/>/g)].map(([, attrs]) => {
    const attr = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(` ${attrs}`)?.[1];
    return {
      label: attr("data-band"),
      x: Number(attr("x")),
      y: Number(attr("y")),
      width: Number(attr("width")),
      height: Number(attr("height")),
    };
  });

const input = (over: Partial<TimeSeriesChartInput> = {}): TimeSeriesChartInput => ({
  title: "Throughput and hit ratio",
  xLabel: "seconds",
  x: [1, 2, 3, 4],
  xMax: 4,
  panels: [
    { yLabel: "requests/s", series: [{ name: "throughput", values: [100, 200, 400, 200] }] },
    { yLabel: "% of reads", yMax: 100, series: [{ name: "hit ratio", values: [100, 0, 50, 100] }] },
  ],
  bands: [{ from: 1.5, to: 3, label: "cache unreachable" }],
  ...over,
});

describe("time series chart SVG", () => {
  it("is a standalone, well-formed SVG document with a title, axis labels and a legend", () => {
    const svg = timeSeriesChartSvg(input());
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.endsWith("</svg>")).to.equal(true);
    const names = wellFormed(svg);
    expect(names[0]).to.equal("svg");
    expect(names).to.include.members(["title", "path", "rect", "line", "text"]);
    for (const label of [
      ">Throughput and hit ratio<",
      ">seconds<",
      ">requests/s<",
      ">% of reads<",
      ">throughput<",
      ">hit ratio<",
      ">cache unreachable<",
    ])
      expect(svg).to.include(label);
  });

  it("draws one line per series, its points in proportion to x and to the values", () => {
    const drawn = lines(timeSeriesChartSvg(input()));
    expect(drawn.map((l) => l.series)).to.deep.equal(["throughput", "hit ratio"]);
    const [a, b, c] = drawn[0]?.runs[0] ?? [];
    if (!a || !b || !c) throw new Error(`three points, not ${drawn[0]?.d}`);
    expect(b.x - a.x, "equal x steps, equal pixel steps").to.be.closeTo(c.x - b.x, 0.02);
    // 100 and 200 are as far apart as 100 and 0: that gives the baseline.
    const zero = a.y + (a.y - b.y);
    expect((zero - c.y) / (zero - a.y), "400 stands four times as high as 100").to.be.closeTo(
      4,
      0.01,
    );
  });

  it("rescales its y axis when the values grow", () => {
    const small = timeSeriesChartSvg(input());
    const [, hitRatio] = input().panels;
    const large = timeSeriesChartSvg(
      input({
        panels: [
          {
            yLabel: "requests/s",
            series: [{ name: "throughput", values: [1000, 2000, 4000, 2000] }],
          },
          ...(hitRatio ? [hitRatio] : []),
        ],
      }),
    );
    // Same shape, same pixels; only the tick labels change.
    expect(lines(large)[0]?.d).to.equal(lines(small)[0]?.d);
    expect(large).to.include(">4k<");
    expect(small).to.not.include(">4k<");
  });

  it("leaves a gap where a value is missing and draws a lone point as a dot", () => {
    const svg = timeSeriesChartSvg(
      input({
        x: [1, 2, 3, 4, 5],
        panels: [
          { yLabel: "%", series: [{ name: "hit ratio", values: [50, 60, null, 70, null] }] },
        ],
      }),
    );
    const [line] = lines(svg);
    expect(line?.runs.map((r) => r.length)).to.deep.equal([2, 1]);
    expect(line?.d).to.match(/h0$/);
  });

  it("shades each band over every panel, from its start to its end", () => {
    const svg = timeSeriesChartSvg(input());
    const [band] = bands(svg);
    expect(band?.label).to.equal("cache unreachable");
    const points = lines(svg)[0]?.runs[0] ?? [];
    const pxPerSecond = ((points[1]?.x ?? 0) - (points[0]?.x ?? 0)) / 1;
    const xOf = (seconds: number) => (points[0]?.x ?? 0) + (seconds - 1) * pxPerSecond;
    expect(band?.x).to.be.closeTo(xOf(1.5), 0.05);
    expect(band?.width).to.be.closeTo(xOf(3) - xOf(1.5), 0.05);
    // It reaches from the top panel's top down to the bottom panel's baseline.
    const hitRatio = lines(svg)[1]?.runs[0] ?? [];
    const zeroInBottomPanel = hitRatio[1]?.y ?? 0;
    expect((band?.y ?? 0) + (band?.height ?? 0)).to.be.closeTo(zeroInBottomPanel, 0.05);
    expect(band?.y, "the top of the top panel").to.be.at.most(Math.min(...points.map((p) => p.y)));
  });

  it("draws no band when there was no fault", () => {
    expect(bands(timeSeriesChartSvg(input({ bands: [] })))).to.deep.equal([]);
  });

  it("escapes text in the title, labels, series names and band labels", () => {
    const svg = timeSeriesChartSvg(
      input({
        title: `hits < 99 % & "slow" 'cache'`,
        xLabel: "<t>",
        panels: [{ yLabel: "a & b", series: [{ name: `x"y`, values: [1, 2, 3, 4] }] }],
        bands: [{ from: 1, to: 2, label: "<down>" }],
      }),
    );
    wellFormed(svg);
    expect(svg).to.include("hits &lt; 99 % &amp; &quot;slow&quot; &apos;cache&apos;");
    expect(svg).to.include("&lt;t&gt;");
    expect(svg).to.include("a &amp; b");
    expect(svg).to.include('data-series="x&quot;y"');
    expect(svg).to.include('data-band="&lt;down&gt;"');
    expect(svg).to.not.include("<down>");
    expect(svg).to.not.include("<t>");
  });

  it("stays well formed with no data", () => {
    const svg = timeSeriesChartSvg({ title: "empty", xLabel: "x", x: [], panels: [] });
    wellFormed(svg);
    expect(lines(svg)).to.deep.equal([]);
  });
});

describe("time buckets", () => {
  it("counts each time in exactly one bucket, up to the end", () => {
    expect(bucketCounts([0, 99.9, 100, 250, 399, 400, -1], 100, 400)).to.deep.equal([3, 1, 1, 2]);
    expect(bucketCounts([], 100, 0)).to.deep.equal([0]);
  });

  it("chooses the narrowest width that keeps the chart readable", () => {
    expect(bucketWidth(3000)).to.equal(100);
    expect(bucketWidth(12_000)).to.equal(200);
    expect(bucketWidth(20_000)).to.equal(250);
    expect(bucketWidth(10 * 60_000)).to.equal(1000);
  });
});

describe("throughput and hit ratio of a load run", () => {
  /** 3 s at 10 requests per 100 ms; reads fall back to DynamoDB from 1 s to 2 s. */
  const run = (): MixedLoadResult => {
    const completions: Completion[] = Array.from({ length: 300 }, (_, i) => {
      const at = i * 10 + 5;
      const kind = i % 10 < 8 ? "read" : "update";
      return { at, kind, failed: false, source: at >= 1000 && at < 2000 ? "dynamodb" : "cache" };
    });
    return {
      users: 2,
      requests: 300,
      elapsedMs: 3000,
      throughput: 100,
      errors: [],
      latencies: { read: [], touch: [], update: [] },
      sessions: new Map(),
      completions,
      fault: {
        name: "the cache is unreachable",
        startedAt: 1000,
        healedAt: 2000,
        startedAfterRequests: 100,
        healedAfterRequests: 200,
      },
    };
  };

  it("attaches an SVG chart, its band at the fault, and the numbers behind it as CSV", () => {
    const [chart, csv] = timeSeriesAttachments(run());
    expect(chart?.mediaType).to.equal("image/svg+xml");
    expect(csv?.mediaType).to.equal("text/csv");
    wellFormed(chart?.body ?? "");
    expect(bands(chart?.body ?? "").map((b) => b.label)).to.deep.equal([
      "the cache is unreachable",
    ]);
    const rows = (csv?.body ?? "").split("\n\n")[1]?.trim().split("\n") ?? [];
    expect(rows[0]).to.equal(
      "from ms,to ms,requests,throughput requests/s,reads,reads from cache,cache hit ratio,fault",
    );
    expect(rows.slice(1)).to.have.length(30);
    expect(rows[1]).to.equal("0,100,10,100,8,8,1.0000,no");
    expect(rows[15]).to.equal("1400,1500,10,100,8,0,0.0000,yes");
    expect(rows[30]).to.equal("2900,3000,10,100,8,8,1.0000,no");
    expect(csv?.body).to.include("cache hit ratio during,0.0000");
    expect(csv?.body).to.include("hit ratio back to 99 % after heal ms,0");
  });
});
