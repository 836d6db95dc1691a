import { connect } from "node:net";
import type { NodeAddress } from "../store";

export type RespValue = string | number | null | RespValue[];

/** The server answered with an error reply. */
export class RespError extends Error {}

/**
 * Sends one command to one Valkey node over a fresh connection and returns the parsed reply.
 * For bootstrapping and inspecting a cluster, where no cluster client can work yet.
 */
export function respCommand(
  host: string,
  port: number,
  args: string[],
  timeoutMs = 2000,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${host}:${port} did not answer`)));
    socket.on("connect", () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`,
      );
    });
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const parsed = parse(Buffer.concat(chunks), 0);
      if (!parsed) return;
      socket.end();
      if (parsed.value instanceof RespError) reject(parsed.value);
      else resolve(parsed.value);
    });
    socket.on("error", reject);
  });
}

type Parsed = { value: RespValue | RespError; next: number } | undefined;

function parse(buf: Buffer, at: number): Parsed {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const line = buf.toString("utf8", at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case "+":
      return { value: line, next };
    case "-":
      return { value: new RespError(line), next };
    case ":":
      return { value: Number(line), next };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString("utf8", next, next + len), next: next + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, pos);
        if (!item) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      return { value: new RespError(`unexpected reply ${JSON.stringify(line)}`), next };
  }
}

/** A cluster node as CLUSTER NODES names it. */
export interface ClusterNode extends NodeAddress {
  role: "primary" | "replica";
  /** The node's id, and for a replica its primary's. */
  id: string;
  primaryId?: string;
  /** The slot ranges a primary serves, inclusive. */
  slots: [number, number][];
}

/** Nodes as one node sees them, healthy ones only. */
export async function clusterNodes(host: string, port: number): Promise<ClusterNode[]> {
  const text = String(await respCommand(host, port, ["CLUSTER", "NODES"]));
  return text
    .trim()
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => !/fail|handshake|noaddr/.test(f[2] ?? ""))
    .map((f) => {
      const address = (f[1] ?? "").split("@")[0] ?? "";
      const at = address.lastIndexOf(":");
      const primary = /master/.test(f[2] ?? "");
      const slots = f.slice(8).flatMap((range): [number, number][] => {
        if (range.startsWith("[")) return []; // a slot being migrated, not served
        const [from, to = from] = range.split("-").map(Number);
        return from === undefined || to === undefined ? [] : [[from, to]];
      });
      return {
        host: address.slice(0, at) || host,
        port: Number(address.slice(at + 1)),
        role: primary ? ("primary" as const) : ("replica" as const),
        id: f[0] ?? "",
        ...(primary ? {} : { primaryId: f[3] }),
        slots,
      };
    })
    .sort((a, b) => a.port - b.port);
}
