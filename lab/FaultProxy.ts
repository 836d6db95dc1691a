import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { type ToxicDirection, type ToxicType, Toxiproxy } from "toxiproxy-node-client";
import { eventually } from "../common/eventually";
import { parseAddress } from "../store";
import { isListening, isRunning, startServer, tail } from "./processes";
import { explainPopulateFailure } from "./proxyConflicts";

export const TOXIPROXY_MARKER = "toxiproxy-server";

/** One proxy between the store and a server, as `.local-env.json` describes it. */
export interface ProxyDescription {
  name: string;
  /** host:port the store connects to. */
  listen: string;
  /** host:port of the real server. */
  upstream: string;
  /** host:port the cluster names this node by to its clients, when it is not `upstream`. */
  announced?: string;
  store: "valkey" | "dynamodb";
}

export interface ToxiproxyDescription {
  url: string;
  version: string;
  /** "embedded" (this project's TypeScript server), "toxiproxy-server" (the real one), or "external". */
  server: "embedded" | "toxiproxy-server" | "external";
  pid?: number;
  proxies: ProxyDescription[];
}

export interface FaultProxyOptions {
  host: string;
  /** API port. Default Toxiproxy's: 8474. */
  apiPort: number;
  /** A running Toxiproxy to use instead of starting one (TOXIPROXY_URL). */
  url?: string;
  /** The embedded server's entry point (scripts/toxiproxy-server.ts). */
  embeddedScript: string;
  workDir: string;
  proxies: ProxyDescription[];
}

/** The real toxiproxy-server if it is on PATH. */
function realServerOnPath(): string | undefined {
  try {
    return (
      execFileSync("sh", ["-c", "command -v toxiproxy-server"], { encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Brings up the fault proxy (an external one, the real toxiproxy-server, or the embedded one, in
 * that order of preference) and makes it hold exactly the given proxies, all enabled, no toxics.
 */
export async function startFaultProxy(
  options: FaultProxyOptions,
  onStarted: (pid: number) => void,
): Promise<ToxiproxyDescription> {
  let url = options.url;
  let server: ToxiproxyDescription["server"] = "external";
  let pid: number | undefined;
  if (!url) {
    const { host, apiPort, workDir } = options;
    if (await isListening(host, apiPort)) {
      throw new Error(
        `port ${apiPort} on ${host} is already in use: is another environment running? (npm run env:status)`,
      );
    }
    const real = realServerOnPath();
    const logFile = join(workDir, "toxiproxy.log");
    pid = real
      ? await startServer(real, ["-host", host, "-port", String(apiPort)], {
          cwd: workDir,
          logFile,
        })
      : await startServer(
          process.execPath,
          [
            "-r",
            "ts-node/register",
            options.embeddedScript,
            "--host",
            host,
            "--port",
            String(apiPort),
          ],
          { cwd: join(options.embeddedScript, "..", ".."), logFile },
        );
    onStarted(pid);
    server = real ? "toxiproxy-server" : "embedded";
    url = `http://${host}:${apiPort}`;
    const proc = { pid, marker: TOXIPROXY_MARKER };
    await eventually(
      async () => {
        if (!isRunning(proc)) throw new Error(`the fault proxy exited:\n${tail(logFile)}`);
        if (!(await isListening(host, apiPort))) throw new Error("not listening yet");
      },
      { timeoutMs: 15_000, intervalMs: 100, what: "the fault proxy to listen" },
    );
  }
  const toxiproxy = new Toxiproxy(url);
  const version = versionOf(await toxiproxy.getVersion());
  try {
    await toxiproxy.populate(
      options.proxies.map(({ name, listen, upstream }) => ({
        name,
        listen,
        upstream,
        enabled: true,
      })),
    );
  } catch (error) {
    throw new Error(await explainPopulateFailure(url, options.proxies, error), { cause: error });
  }
  await toxiproxy.reset();
  return { url, version, server, pid, proxies: options.proxies };
}

/**
 * Deletes, on a fault proxy this environment did not start, every proxy it made and every proxy
 * to one of `upstreams` (an app server's, left by a run that could not clean up). Returns their
 * names. A server that is gone took its proxies with it.
 */
export async function removeProxies(
  description: ToxiproxyDescription,
  upstreams: readonly string[],
): Promise<string[]> {
  const client = new Toxiproxy(description.url);
  const ours = new Set(description.proxies.map((p) => p.name));
  const existing = Object.values(await client.getAll());
  const doomed = existing.filter((p) => ours.has(p.name) || upstreams.includes(p.upstream));
  await Promise.all(doomed.map((p) => p.remove()));
  return doomed.map((p) => p.name);
}

/** Toxiproxy answers GET /version with plain text in old releases and `{"version": ...}` since 2.6. */
export function versionOf(body: unknown): string {
  const text = typeof body === "string" ? body.trim() : JSON.stringify(body);
  try {
    const parsed = JSON.parse(text) as { version?: unknown };
    if (typeof parsed.version === "string") return parsed.version;
  } catch {
    // Plain text: the version itself.
  }
  return text;
}

/**
 * The plain-data map that sends every connection to a node through that node's proxy: from the
 * address the cluster names the node by (in CLUSTER SLOTS and in MOVED) to the proxy's.
 */
export function addressMapOf(proxies: ProxyDescription[]): Record<string, string> {
  return Object.fromEntries(
    proxies
      .filter((p) => p.store === "valkey")
      .map((p) => [p.announced ?? p.upstream, p.listen])
      .filter(([from, to]) => from !== to),
  );
}

/**
 * Seed addresses for a store behind the proxies: the proxies' own addresses. GLIDE may reconnect
 * to a configured seed without asking its addressResolver (a CI run caught one such connection
 * going around the proxy), so the store is never given a real node address to begin with.
 */
export function proxiedSeeds(
  seeds: { host: string; port: number }[],
  proxies: ProxyDescription[],
): { host: string; port: number }[] {
  const map = new Map(proxies.map((p) => [p.upstream, p.listen]));
  return seeds.map(({ host, port }) => {
    const listen = map.get(`${host}:${port}`);
    return listen ? parseAddress(listen) : { host, port };
  });
}

type StoreName = ProxyDescription["store"];

/**
 * The fault proxy, driven: faults between the store and its servers, named for what they do, made
 * only through Toxiproxy's API (toxiproxy-node-client), so the real toxiproxy-server and the
 * embedded one serve alike.
 * "Down" is a disabled proxy (open connections closed, new ones refused), not a toxic.
 */
export class FaultProxy {
  private readonly client: Toxiproxy;
  /** Toxics added through this object, by proxy name (the client does not list a proxy's toxics). */
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
