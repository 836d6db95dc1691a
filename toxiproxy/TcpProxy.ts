import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { messageOf } from "../common/messageOf";
import { ListenError } from "./ApiError";
import { Connection } from "./Connection";
import { formatHostPort, resolveHostPort } from "./HostPort";
import type { ProxyInput } from "./ProxyInput";
import { ToxicCollection } from "./ToxicCollection";
import type { ToxicJson } from "./toxics/Toxic";

/** The JSON form of a proxy, as Toxiproxy writes it. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

/**
 * A listener that forwards each client to the upstream through the proxy's toxics. Disabled, it
 * does not listen at all, so clients are refused; enabled again, it listens on the same address.
 */
export class TcpProxy {
  readonly toxics = new ToxicCollection();
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  /** As given until the proxy first listens; then the address it listens on (port 0 resolved). */
  private listenAddress: string;
  private upstreamAddress: string;

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
  ) {
    this.listenAddress = listen;
    this.upstreamAddress = upstream;
  }

  get listen(): string {
    return this.listenAddress;
  }

  get upstream(): string {
    return this.upstreamAddress;
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  /** Listens, if not already listening. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = await listenOn(this.listenAddress, (client) => this.accept(client));
    const { address, port } = server.address() as AddressInfo;
    this.listenAddress = formatHostPort({ host: address, port });
    this.server = server;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    await closed;
  }

  /** Toxiproxy's Proxy.Update: a new address restarts the proxy; `enabled` starts or stops it. */
  async update(input: ProxyInput): Promise<void> {
    if (await this.differs(input)) {
      await this.stop();
      this.listenAddress = input.listen;
      this.upstreamAddress = input.upstream;
    }
    if (input.enabled && !this.enabled) await this.start();
    if (!input.enabled) await this.stop();
  }

  /** Whether `input` names another listen address (once resolved) or another upstream. */
  async differs(input: Pick<ProxyInput, "listen" | "upstream">): Promise<boolean> {
    const listen = formatHostPort(await resolveListen(input.listen));
    return listen !== this.listenAddress || input.upstream !== this.upstreamAddress;
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxics.list().map((toxic) => toxic.toJSON()),
    };
  }

  private accept(client: Socket): void {
    const connection = new Connection(client, this.upstreamAddress, this.toxics, (closed) =>
      this.connections.delete(closed),
    );
    this.connections.add(connection);
  }
}

async function resolveListen(address: string): ReturnType<typeof resolveHostPort> {
  try {
    return await resolveHostPort(address);
  } catch (error) {
    throw listenError(address, error);
  }
}

async function listenOn(address: string, onClient: (client: Socket) => void): Promise<Server> {
  const { host, port } = await resolveListen(address);
  const server = createServer({ allowHalfOpen: true, noDelay: true }, onClient);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(listenError(address, error)));
    server.listen(host === "" ? { port } : { host, port }, resolve);
  });
  // A listening server only errors on accept failures (e.g. EMFILE); the proxy keeps listening.
  server.on("error", () => {});
  return server;
}

/** Go's wording of the bind errors clients are likely to see. */
const GO_BIND_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: "bind: address already in use",
  EADDRNOTAVAIL: "bind: cannot assign requested address",
};

/** Worded as Go's net.Listen words its errors, which Toxiproxy passes on. */
function listenError(address: string, error: unknown): ListenError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const reason = GO_BIND_ERRORS[code] ?? messageOf(error);
  return new ListenError(`listen tcp ${address}: ${reason}`, { cause: error });
}
