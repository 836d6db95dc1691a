/**
 * What the adapter tests share: the local environment behind fault proxies of their own, a cookie
 * jar over fetch, and direct observation of both stores.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { type Proxy as ToxiProxy, Toxiproxy } from "toxiproxy-node-client";
import { eventually } from "../../../common/eventually";
import type { EnvironmentDescription } from "../../../lab/Environment";
import { attachEnvironment, ENV_FILE, readEnvFile } from "../../../lab/envFile";
import { CacheObserver } from "../../../lab/observe/CacheObserver";
import { DurableObserver } from "../../../lab/observe/DurableObserver";
import { observerDynamoClient } from "../../../lab/observe/observerDynamoClient";
import { cacheKey, type HybridSessionStoreConfig, parseAddress } from "../../../store";
import { ROOT, testPrefix } from "../../service/localEnv";

/**
 * The running local environment (npm test starts one before the tests). Attach only: an
 * environment that looks unhealthy may be another run's, mid-fault, so it is never stopped here.
 */
async function runningEnvironment(): Promise<EnvironmentDescription> {
  const description = readEnvFile(join(ROOT, ENV_FILE));
  if (!description) {
    throw new Error(`no environment in ${ENV_FILE}: start one with \`npm run env:up\``);
  }
  const env = attachEnvironment(description);
  await eventually(() => env.checkHealth(), {
    timeoutMs: 10_000,
    intervalMs: 200,
    what: "the local environment to be healthy",
  });
  return description;
}

/**
 * The local environment through proxies this test made on the environment's Toxiproxy (the shared
 * ones stay as they are): one per Valkey node, one for DynamoDB, listening from `firstPort` on.
 */
export class ProxiedEnvironment {
  private constructor(
    readonly prefix: string,
    readonly config: HybridSessionStoreConfig,
    readonly cache: CacheObserver,
    readonly durable: DurableObserver,
    private readonly valkeyProxies: ToxiProxy[],
    private readonly dynamoProxy: ToxiProxy,
  ) {}

  static async start(firstPort: number): Promise<ProxiedEnvironment> {
    const description = await runningEnvironment();
    if (!description.toxiproxy) throw new Error("the local environment has no fault proxy");
    const prefix = testPrefix();
    const toxiproxy = new Toxiproxy(description.toxiproxy.url);
    // Toxiproxy names allow letters, digits and - _ . only.
    const name = (what: string) => `${prefix.replaceAll(":", "-")}${what}`;
    const listen = (i: number) => `127.0.0.1:${firstPort + i}`;
    const nodes = description.valkey.nodes;
    const valkeyProxies = await Promise.all(
      nodes.map((node, i) =>
        toxiproxy.createProxy({
          name: name(`valkey-${node.port}`),
          listen: listen(i),
          upstream: `${node.host}:${node.port}`,
        }),
      ),
    );
    const dynamoUpstream = new URL(description.dynamodb.endpoint ?? "");
    const dynamoProxy = await toxiproxy.createProxy({
      name: name("dynamodb"),
      listen: listen(nodes.length),
      upstream: dynamoUpstream.host,
    });
    const addressMap = Object.fromEntries(nodes.map((n, i) => [`${n.host}:${n.port}`, listen(i)]));
    const config: HybridSessionStoreConfig = {
      ...description.storeConfig,
      // Seeded with the proxies themselves: GLIDE may reconnect to a seed without the resolver.
      valkey: {
        ...description.storeConfig.valkey,
        addresses: description.valkey.seeds.map((s) =>
          parseAddress(addressMap[`${s.host}:${s.port}`] ?? ""),
        ),
        addressMap,
      },
      dynamodb: { ...description.storeConfig.dynamodb, endpoint: `http://${listen(nodes.length)}` },
      keyPrefix: prefix,
      maintenanceIntervalMs: 50,
    };
    const cache = await CacheObserver.connect(description.valkey.seeds);
    const durable = new DurableObserver(
      observerDynamoClient(description),
      description.dynamodb.table,
    );
    return new ProxiedEnvironment(prefix, config, cache, durable, valkeyProxies, dynamoProxy);
  }

  cacheDown(): Promise<void> {
    return this.enable(this.valkeyProxies, false);
  }

  dynamoDbDown(): Promise<void> {
    return this.enable([this.dynamoProxy], false);
  }

  heal(): Promise<void> {
    return this.enable([...this.valkeyProxies, this.dynamoProxy], true);
  }

  /** Deletes this test's proxies; the environment stays as it was. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.valkeyProxies, this.dynamoProxy].map((p) => p.remove()));
    this.cache.close();
    this.durable.close();
  }

  /** Both stores' own expiry of a session, in epoch seconds, read beside the store. */
  async expiries(id: string): Promise<{ cache: number | null; dynamodb: number | null }> {
    const [cached, item] = await Promise.all([
      this.cache.entry(cacheKey(this.prefix, id)),
      this.durable.entry(id),
    ]);
    return {
      cache: cached?.session ? cached.expiresAt : null,
      dynamodb: item ? item.expiresAt : null,
    };
  }

  private async enable(proxies: ToxiProxy[], enabled: boolean): Promise<void> {
    await Promise.all(
      proxies.map((p) => p.update({ enabled, listen: p.listen, upstream: p.upstream })),
    );
  }
}

/** A browser's cookies for one origin, over fetch: what Set-Cookie sets, sent back as Cookie. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const headers = new Headers(init.headers);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(`${this.origin}${path}`, { ...init, headers });
    for (const line of response.headers.getSetCookie()) this.take(line);
    return response;
  }

  /** The JSON body of a request, with its status. */
  async json(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const response = await this.fetch(path, init);
    return { status: response.status, body: await response.json() };
  }

  private take(line: string): void {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const at = pair.indexOf("=");
    const name = pair.slice(0, at);
    const expired = attributes.some((a) => {
      const [key = "", value = ""] = a.split("=");
      if (/^max-age$/i.test(key)) return Number(value) <= 0;
      if (/^expires$/i.test(key)) return Date.parse(value) <= Date.now();
      return false;
    });
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, pair.slice(at + 1));
  }
}

/** A session cookie value as express-session signs it (cookie-signature): `s:<id>.<HMAC-SHA256>`. */
export function expressSignedCookie(id: string, secret: string): string {
  const mac = createHmac("sha256", secret).update(id).digest("base64").replace(/=+$/, "");
  return encodeURIComponent(`s:${id}.${mac}`);
}

/** Waits until `check` passes; the only way these tests wait. */
export const within = <T>(what: string, check: () => Promise<T>, timeoutMs = 5000) =>
  eventually(check, { timeoutMs, intervalMs: 50, what });
