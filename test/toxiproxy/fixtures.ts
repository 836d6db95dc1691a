import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { Toxiproxy } from "toxiproxy-node-client";
import { ToxiproxyServer } from "../../toxiproxy/ToxiproxyServer";

/** A TCP server on 127.0.0.1 that a test scripts per connection, and tears down with every socket. */
export class Upstream {
  readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(onConnection: (socket: Socket) => void) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      onConnection(socket);
    });
  }

  /** Serves each connection with `onConnection`; echoes by default. */
  static async start(onConnection: (socket: Socket) => void = echo): Promise<Upstream> {
    const upstream = new Upstream(onConnection);
    await new Promise<void>((resolve) => upstream.server.listen(0, "127.0.0.1", resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The next connection the server accepts. */
  nextConnection(): Promise<Socket> {
    return new Promise((resolve) => this.server.once("connection", resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function echo(socket: Socket): void {
  socket.pipe(socket);
}

/** A started server and a client for it, for one test file. */
export async function startToxiproxy(): Promise<{ server: ToxiproxyServer; client: Toxiproxy }> {
  const server = await ToxiproxyServer.start({ host: "127.0.0.1", port: 0 });
  return { server, client: new Toxiproxy(server.url) };
}

/** Removes every proxy, so that each test starts from an empty server. */
export async function removeAllProxies(client: Toxiproxy): Promise<void> {
  for (const proxy of Object.values(await client.getAll())) await proxy.remove();
}

/** A connected client socket to `host:port`; rejects if the connection is refused. */
export function connectTo(address: string): Promise<Socket> {
  const colon = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
      noDelay: true,
    });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Everything a socket receives, and how it ended; listening starts at once. */
export class Received {
  readonly chunks: Buffer[] = [];
  error: NodeJS.ErrnoException | undefined;
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.notify();
    });
    socket.on("error", (error) => {
      this.error = error;
    });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    void this.closed.then(() => this.notify());
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Resolves once `count` bytes have arrived; rejects if the socket closes first. */
  async untilBytes(count: number): Promise<Buffer> {
    for (;;) {
      const bytes = this.bytes;
      if (bytes.length >= count) return bytes;
      if (this.socket.destroyed) {
        throw new Error(`socket closed after ${bytes.length} of ${count} bytes`, {
          cause: this.error,
        });
      }
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/** A raw API call, for what toxiproxy-node-client hides: status codes, headers, error bodies. */
export async function request(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { method, body, headers });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
  };
}

/** `bytes` bytes of a repeating, recognisable pattern. */
export function pattern(bytes: number): Buffer {
  return Buffer.from(Array.from({ length: bytes }, (_, i) => 97 + (i % 26)));
}
