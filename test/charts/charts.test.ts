import { describe, it } from "node:test";
import { expect } from "chai";
import { barChartSvg } from "../../charts/barChart";
import { binLatencies, latencyHistogramSvg } from "../../charts/latencyHistogram";
import { escapeXml, niceTicks } from "../../charts/svg";
import { wellFormed } from "./wellFormed";

const bars = (svg: string) =>
  [...svg.matchAll(/<rect ([^>]*data-value[^>]*)\/>/g)].map(([, attrs]) => {
    const attr = (name: string) => Number(new RegExp(`${name}="([^"]*)"`).exec(attrs ?? "")?.[1]);
    return {
      series: /data-series="([^"]*)"/.exec(attrs ?? "")?.[1],
      value: attr("data-value"),
      height: attr("height"),
      y: attr("y"),
    };
  });

describe("bar chart SVG", () => {
  const chart = () =>
    barChartSvg({
      title: "Requests",
      xLabel: "latency",
      yLabel: "count",
      categories: ["0", "1", "2"],
      series: [
        { name: "get", values: [10, 40, 20] },
        { name: "update", values: [5, 0, 20] },
      ],
    });

  it("is a standalone, well-formed SVG document with a title and axis labels", () => {
    const svg = chart();
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.endsWith("</svg>")).to.equal(true);
    const names = wellFormed(svg);
    expect(names[0]).to.equal("svg");
    expect(names).to.include.members(["title", "rect", "line", "text"]);
    for (const label of [">Requests<", ">latency<", ">count<", ">get<", ">update<"])
      expect(svg).to.include(label);
  });

  it("draws bar heights in proportion to their values", () => {
    const drawn = bars(chart()).filter((b) => b.series === "get");
    expect(drawn.map((b) => b.value)).to.deep.equal([10, 40, 20]);
    const [a, b, c] = drawn.map((d) => d.height);
    expect((b as number) / (a as number)).to.be.closeTo(4, 0.01);
    expect((c as number) / (a as number)).to.be.closeTo(2, 0.01);
  });

  it("stacks a series on the one before it and leaves out zero bars", () => {
    const drawn = bars(chart());
    expect(drawn.filter((b) => b.series === "update").map((b) => b.value)).to.deep.equal([5, 20]);
    const getBar = drawn.find((b) => b.series === "get" && b.value === 10);
    const updateBar = drawn.find((b) => b.series === "update" && b.value === 5);
    expect(getBar && updateBar, "both bars of the first category").to.not.equal(undefined);
    // The update bar sits on top of the get bar: its bottom edge is the get bar's top edge.
    expect((updateBar?.y ?? 0) + (updateBar?.height ?? 0)).to.be.closeTo(getBar?.y ?? -1, 0.02);
  });

  it("escapes text in the title, labels and series names", () => {
    const svg = barChartSvg({
      title: `p99 < 5 ms & "fast" 'enough'`,
      xLabel: "<x>",
      yLabel: "y & z",
      categories: ["<1"],
      series: [{ name: `a"b`, values: [1] }],
    });
    wellFormed(svg);
    expect(svg).to.include("p99 &lt; 5 ms &amp; &quot;fast&quot; &apos;enough&apos;");
    expect(svg).to.include("&lt;x&gt;");
    expect(svg).to.include('data-series="a&quot;b"');
    expect(svg).to.not.include("<x>");
  });

  it("stays well formed with no data", () => {
    const svg = barChartSvg({
      title: "empty",
      xLabel: "x",
      yLabel: "y",
      categories: [],
      series: [],
    });
    wellFormed(svg);
    expect(bars(svg)).to.deep.equal([]);
  });
});

describe("latency histogram", () => {
  it("puts each sample in exactly one logarithmic bin", () => {
    const samples = { get: [0.12, 0.3, 0.31, 1.1, 50], touch: [0.4, 199] };
    const { categories, series, edges } = binLatencies(samples);
    expect(edges).to.deep.equal([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]);
    expect(categories).to.have.length(edges.length - 1);
    expect(categories[0]).to.equal("0.1");
    expect(series.find((s) => s.name === "get")?.values).to.deep.equal([
      1, 2, 0, 1, 0, 0, 0, 0, 1, 0,
    ]);
    expect(series.find((s) => s.name === "touch")?.values).to.deep.equal([
      0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
  });

  it("renders an SVG whose bars add up to the number of samples", () => {
    const samples = { get: Array.from({ length: 80 }, (_, i) => i / 10), update: [1, 2, 3] };
    const svg = latencyHistogramSvg({ title: "Latency", samples });
    wellFormed(svg);
    expect(bars(svg).reduce((sum, b) => sum + b.value, 0)).to.equal(83);
  });
});

describe("svg helpers", () => {
  it("escapes the five XML special characters", () => {
    expect(escapeXml(`<a href="x">&'`)).to.equal("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  });

  it("chooses round ticks that cover the maximum", () => {
    expect(niceTicks(87)).to.deep.equal([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0)).to.deep.equal([0, 1]);
    expect(niceTicks(0.9).at(-1)).to.be.at.least(0.9);
  });
});
