import { badRequestBody, proxyAlreadyExists, proxyNotFound } from "./ApiError";
import { decodeProxyInput, type ProxyInput, requireNameAndUpstream } from "./ProxyInput";
import { TcpProxy } from "./TcpProxy";

/** What `POST /populate` did: the proxies it made or kept, and the error that stopped it, if any. */
export interface PopulateResult {
  proxies: TcpProxy[];
  error?: unknown;
}

/** The server's proxies by name. Callers run one operation at a time (the API serialises them). */
export class ProxyCollection {
  private readonly proxies = new Map<string, TcpProxy>();

  /** Every proxy, by name. */
  all(): TcpProxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get(name: string): TcpProxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw proxyNotFound();
    return proxy;
  }

  /** Adds a proxy, started if `input.enabled`; one that cannot listen is not added. */
  async create(input: ProxyInput): Promise<TcpProxy> {
    requireNameAndUpstream(input);
    if (this.proxies.has(input.name)) throw proxyAlreadyExists();
    const proxy = new TcpProxy(input.name, input.listen, input.upstream);
    if (input.enabled) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }

  /**
   * Toxiproxy's PopulateJson: checks every entry first, then keeps each existing proxy with the same
   * addresses (toxics and state untouched) and replaces the others. Stops at the first failure.
   */
  async populate(body: unknown): Promise<PopulateResult> {
    if (body !== null && !Array.isArray(body)) {
      throw badRequestBody(
        `json: cannot unmarshal ${typeof body === "object" ? "object" : typeof body} into Go value of type []toxiproxy.Proxy`,
      );
    }
    const entries: readonly unknown[] = Array.isArray(body) ? body : [];
    const inputs = entries.map((entry, i) => {
      const input = decodeProxyInput(entry, { name: "", listen: "", upstream: "", enabled: true });
      requireNameAndUpstream(input, ` at proxy ${i + 1}`);
      return input;
    });
    const proxies: TcpProxy[] = [];
    for (const input of inputs) {
      try {
        proxies.push(await this.addOrReplace(input));
      } catch (error) {
        return { proxies, error };
      }
    }
    return { proxies };
  }

  /** Stops and forgets a proxy. */
  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    await proxy.stop();
    this.proxies.delete(name);
  }

  /** `POST /reset`: every proxy listening again, and no toxics anywhere. */
  async reset(): Promise<void> {
    for (const proxy of this.all()) {
      await proxy.start();
      proxy.toxics.reset();
    }
  }

  /** Stops every proxy (closing all their connections) and forgets them all. */
  async clear(): Promise<void> {
    const proxies = this.all();
    this.proxies.clear();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
  }

  private async addOrReplace(input: ProxyInput): Promise<TcpProxy> {
    const existing = this.proxies.get(input.name);
    if (existing !== undefined) {
      if (!(await existing.differs(input))) return existing;
      await existing.stop();
    }
    const proxy = new TcpProxy(input.name, input.listen, input.upstream);
    if (input.enabled) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }
}
