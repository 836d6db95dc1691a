/** Escapes text for SVG (XML) content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

type Attributes = Record<string, string | number | undefined>;

/** One element; attribute values are escaped, `children` is SVG already (or text, escaped). */
export function element(
  name: string,
  attributes: Attributes,
  children?: string | string[],
): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === "number" ? round(v) : String(v))}"`)
    .join("");
  if (children === undefined) return `<${name}${attrs}/>`;
  const body = Array.isArray(children) ? children.join("") : children;
  return `<${name}${attrs}>${body}</${name}>`;
}

export function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return element("text", { x, y, ...attributes }, escapeXml(content));
}

/**
 * A standalone SVG document of `width` × `height` pixels: white background, the title as a heading
 * (and as the document's accessible name), then `parts`.
 */
export function svgDocument(title: string, width: number, height: number, parts: string[]): string {
  return element(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      "font-family": "sans-serif",
      "font-size": 11,
      role: "img",
      "aria-label": title,
    },
    [
      element("title", {}, escapeXml(title)),
      element("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }),
      text(width / 2, 24, title, {
        "text-anchor": "middle",
        "font-size": 16,
        "font-weight": "bold",
      }),
      ...parts,
    ],
  );
}

/** The x axis's line: from `left` to `right` at `y`. */
export function axisLine(left: number, right: number, y: number): string {
  return element("line", { x1: left, x2: right, y1: y, y2: y, stroke: "#333333" });
}

/** A horizontal grid line from `left` to `right` at each tick, labelled left of `left`. */
export function yGrid(
  ticks: readonly number[],
  y: (tick: number) => number,
  left: number,
  right: number,
): string[] {
  return ticks.flatMap((tick) => [
    element("line", { x1: left, x2: right, y1: y(tick), y2: y(tick), stroke: "#e0e0e0" }),
    text(left - 6, y(tick) + 4, formatTick(tick), { "text-anchor": "end" }),
  ]);
}

/** Two decimals at most: enough for pixels, short in the file. */
export function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Round axis steps (1, 2 or 5 × 10^n) from 0 to at least `max`, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)));
  return ticks;
}

/** A short label for an axis value: 1200 -> "1.2k", 0.25 -> "0.25". */
export function formatTick(value: number): string {
  if (value >= 1_000_000) return `${Number((value / 1_000_000).toPrecision(3))}M`;
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

/** A colour-blind-safe palette (Okabe-Ito). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
