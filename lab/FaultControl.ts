import { type ToxicDirection, type ToxicType, Toxiproxy } from "toxiproxy-node-client";
import type { ProxyDescription, ToxiproxyDescription } from "./FaultProxy";

type StoreName = ProxyDescription["store"];

/**
 * Faults between the store and its servers, named for what they do, made only through Toxiproxy's
 * API (toxiproxy-node-client), so the real toxiproxy-server and the embedded one serve alike.
 * "Down" is a disabled proxy (open connections closed, new ones refused), not a toxic.
 */
export class FaultControl {
  private readonly client: Toxiproxy;
  /** Toxics this control added, by proxy name (the client does not list a proxy's toxics). */
  private readonly added = new Map<string, Set<string>>();

  constructor(private readonly description: ToxiproxyDescription) {
    this.client = new Toxiproxy(description.url);
  }

  /** Every connection to the store refused, and those open closed. */
  async unreachable(store: StoreName): Promise<void> {
    await this.each(store, (proxy) =>
      proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream }),
    );
  }

  /** Every answer from the store arrives `ms` milliseconds late. */
  async slow(store: StoreName, ms: number): Promise<void> {
    await this.addToxic(store, "latency", "downstream", { latency: ms, jitter: 0 });
  }

  /** Every connection to the store is reset as soon as it carries data. */
  async resetting(store: StoreName): Promise<void> {
    await this.addToxic(store, "reset_peer", "upstream", { timeout: 0 });
  }

  /** The store's proxies enabled again, without the toxics this control added. */
  async heal(store: StoreName): Promise<void> {
    await this.each(store, async (proxy) => {
      const healthy = await proxy.update({
        enabled: true,
        listen: proxy.listen,
        upstream: proxy.upstream,
      });
      for (const name of this.added.get(proxy.name) ?? [])
        await (await healthy.getToxic(name)).remove();
      this.added.delete(proxy.name);
    });
  }

  /** Every proxy enabled, every toxic removed (POST /reset). */
  async healAll(): Promise<void> {
    await this.client.reset();
    this.added.clear();
  }

  /** The proxies of `store`, for those who need their addresses. */
  proxies(store: StoreName): ProxyDescription[] {
    return this.description.proxies.filter((p) => p.store === store);
  }

  private async addToxic(
    store: StoreName,
    type: ToxicType,
    stream: ToxicDirection,
    attributes: object,
  ): Promise<void> {
    const name = `${type}_${stream}`;
    await this.each(store, async (proxy) => {
      await proxy.addToxic({ name, type, stream, toxicity: 1, attributes });
      this.added.set(proxy.name, (this.added.get(proxy.name) ?? new Set()).add(name));
    });
  }

  private async each(
    store: StoreName,
    act: (proxy: Awaited<ReturnType<Toxiproxy["get"]>>) => Promise<unknown>,
  ): Promise<void> {
    const proxies = this.proxies(store);
    // A fault with nothing to act on would let a scenario pass without testing anything.
    if (proxies.length === 0)
      throw new Error(`this environment has no fault proxy in front of ${store}`);
    await Promise.all(proxies.map(async ({ name }) => act(await this.client.get(name))));
  }
}
