/** Columns whose cells line up on the right (numbers); the rest line up on the left. */
export type Align = "left" | "right";

/**
 * A fixed-width text table: plain text survives any attachment viewer, where markdown or HTML
 * may be shown raw.
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
  { indent = "", rule = false }: { indent?: string; rule?: boolean } = {},
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) =>
    indent +
    widths
      .map((w, c) => {
        const cell = cells[c] ?? "";
        return align[c] === "right" ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const under = rule ? [indent + widths.map((w) => "-".repeat(w)).join("  ")] : [];
  return [line(header), ...under, ...rows.map(line)].join("\n");
}

/** `text` cut to `max` characters, an ellipsis marking the cut, so one cell cannot widen a table. */
export const clip = (text: string, max = 40): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
