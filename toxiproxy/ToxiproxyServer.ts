import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { formatHostPort } from "./HostPort";
import { HttpApi } from "./HttpApi";
import { ProxyCollection } from "./ProxyCollection";

export interface ToxiproxyServerOptions {
  /** Listen host. Default: "127.0.0.1". */
  host?: string;
  /** API port. Default: 8474. 0 picks a free one. */
  port?: number;
}

/**
 * A Toxiproxy 2.x server in this process: the same HTTP API, proxies and toxics, so that
 * toxiproxy-node-client drives it as it drives the real one.
 */
export class ToxiproxyServer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly http: Server,
    private readonly api: HttpApi,
    private readonly proxies: ProxyCollection,
    /** The API's base URL, e.g. "http://127.0.0.1:8474". */
    readonly url: string,
  ) {}

  static async start({
    host = "127.0.0.1",
    port = 8474,
  }: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
    const proxies = new ProxyCollection();
    const api = new HttpApi(proxies);
    const http = createServer(api.listener);
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen({ host, port }, resolve);
    });
    const listening = (http.address() as AddressInfo).port;
    return new ToxiproxyServer(
      http,
      api,
      proxies,
      `http://${formatHostPort({ host, port: listening })}`,
    );
  }

  /** Closes the API, every proxy listener and every connection; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const apiClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // Keep-alive connections of API clients would otherwise hold the server open.
    this.http.closeAllConnections();
    // A request already read may still create a proxy: clear once it is done.
    await this.api.settled();
    await this.proxies.clear();
    await apiClosed;
  }
}
