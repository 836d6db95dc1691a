/** Raw TCP and RESP helpers for observing what a proxy does to a connection. */
import { connect, type Socket } from "node:net";
import { respCommand } from "../../probe/resp";
import { testPrefix } from "../service/localEnv";

/** One RESP command as bytes. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/** What one connection did: refused, answered (after how long), closed, or stayed silent. */
export interface Exchange {
  connected: boolean;
  /** Error code of a refused or reset connection, e.g. "ECONNREFUSED". */
  error?: string;
  /** The first bytes answered, if any arrived within the wait. */
  reply?: string;
  /** The peer closed the connection without answering. */
  closed: boolean;
  /** Milliseconds from the write to the first answer (or to the end of the wait). */
  ms: number;
}

/** Connects to 127.0.0.1:port, writes `payload`, and waits up to `waitMs` for a first answer. */
export function exchange(port: number, payload: string, waitMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let connected = false;
    let sentAt = performance.now();
    const done = (outcome: Omit<Exchange, "connected" | "ms">) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, ms: performance.now() - sentAt, ...outcome });
    };
    // A connect that neither succeeds nor fails counts as silence too.
    let timer = setTimeout(() => done({ closed: false }), waitMs);
    socket.once("connect", () => {
      connected = true;
      sentAt = performance.now();
      socket.write(payload);
      clearTimeout(timer);
      timer = setTimeout(() => done({ closed: false }), waitMs);
    });
    socket.once("data", (chunk) => done({ reply: chunk.toString(), closed: false }));
    socket.once("end", () => done({ closed: true }));
    socket.once("error", (e: NodeJS.ErrnoException) => done({ error: e.code, closed: true }));
  });
}

/** An open connection to 127.0.0.1:port, and a promise that settles when the peer closes it. */
export async function openConnection(
  port: number,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: "127.0.0.1", port });
  await new Promise<void>((ok, fail) => {
    socket.once("connect", ok);
    socket.once("error", fail);
  });
  const closed = new Promise<void>((ok) => socket.once("close", () => ok()));
  socket.on("error", () => undefined);
  return { socket, closed };
}

/** A key whose slot the node on `port` serves: a GET there answers instead of redirecting (MOVED). */
export async function keyOwnedBy(port: number): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const key = `${testPrefix()}owned:${i}`;
    try {
      await respCommand("127.0.0.1", port, ["GET", key]);
      return key;
    } catch {
      // MOVED: another primary serves this key.
    }
  }
  throw new Error(`no key found for node ${port}`);
}
