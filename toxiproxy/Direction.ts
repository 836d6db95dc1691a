/** Which way data flows through a link: client to upstream, or upstream to client. */
export type Direction = "upstream" | "downstream";

/** Reads a toxic's `stream` field as Toxiproxy does: case does not matter. */
export function parseDirection(stream: string): Direction | undefined {
  const lower = stream.toLowerCase();
  return lower === "upstream" || lower === "downstream" ? lower : undefined;
}
