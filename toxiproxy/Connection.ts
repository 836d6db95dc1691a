import { connect, Socket } from "node:net";
import { splitHostPort } from "./HostPort";
import { Link, type LinkOwner } from "./Link";
import type { ToxicCollection } from "./ToxicCollection";

/**
 * A client accepted by a proxy and its connection to the upstream, joined by two links. As in
 * Toxiproxy, once either direction ends the whole connection closes: the other direction sends on
 * what its toxics still hold, then both sockets close.
 */
export class Connection implements LinkOwner {
  private readonly upstream: Socket;
  private links: { up: Link; down: Link } | undefined;
  private closing = false;
  private openSockets = 2;

  /**
   * @param onClosed called once both sockets have closed (never synchronously).
   */
  constructor(
    private readonly client: Socket,
    upstreamAddress: string,
    private readonly toxics: ToxicCollection,
    onClosed: (connection: Connection) => void,
  ) {
    this.upstream = dialUpstream(upstreamAddress);
    for (const socket of [client, this.upstream]) {
      // Peers that vanish (ECONNRESET, EPIPE) are handled through "close", below.
      socket.on("error", () => {});
      socket.once("close", () => {
        this.socketClosed(socket);
        if (--this.openSockets === 0) onClosed(this);
      });
    }
    client.setNoDelay(true);
    this.upstream.once("connect", () => this.startLinks());
  }

  /** Closes both sockets now, dropping whatever toxics hold (the proxy was disabled or removed). */
  destroy(): void {
    this.stop();
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Closes both sockets with TCP RST. */
  reset(): void {
    this.stop();
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      if (socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
  }

  linkFinished(link: Link): void {
    if (this.closing || this.links === undefined) return;
    const { up, down } = this.links;
    // Toxiproxy closes a link's destination, which ends the other link's source.
    (link === up ? down : up).sourceEnded();
    if (up.isFinished && down.isFinished) {
      this.stop();
      this.client.destroySoon();
      this.upstream.destroySoon();
    }
  }

  private startLinks(): void {
    if (this.closing) return;
    const up = new Link("upstream", this.client, this.upstream, this);
    const down = new Link("downstream", this.upstream, this.client, this);
    this.links = { up, down };
    this.toxics.startLink(up);
    this.toxics.startLink(down);
  }

  private socketClosed(socket: Socket): void {
    if (this.closing) return;
    if (this.links === undefined) {
      this.destroy();
      return;
    }
    const { up, down } = this.links;
    const [reading, writing] = socket === this.client ? [up, down] : [down, up];
    writing.abort();
    reading.sourceEnded();
  }

  private stop(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.links === undefined) return;
    for (const link of [this.links.up, this.links.down]) {
      link.dispose();
      this.toxics.removeLink(link);
    }
  }
}

/** A socket to the upstream; an address that cannot be dialled gives a socket that closes at once. */
function dialUpstream(address: string): Socket {
  try {
    const { host, port } = splitHostPort(address);
    return connect({
      host: host === "" ? "localhost" : host,
      port,
      allowHalfOpen: true,
      noDelay: true,
    });
  } catch (error) {
    const failed = new Socket();
    failed.destroy(error instanceof Error ? error : new Error(String(error)));
    return failed;
  }
}
