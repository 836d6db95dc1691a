/**
 * What the adapter tests share: the local environment behind fault proxies of their own, a cookie
 * jar over fetch, and direct observation of both stores.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { eventually } from "../../../common/eventually";
import type { EnvironmentDescription } from "../../../lab/Environment";
import { attachEnvironment, ENV_FILE, readEnvFile } from "../../../lab/envFile";
import { CacheObserver } from "../../../lab/observe/CacheObserver";
import { DurableObserver } from "../../../lab/observe/DurableObserver";
import { observerDynamoClient } from "../../../lab/observe/observerDynamoClient";
import { ProxySet } from "../../../lab/ProxySet";
import { cacheKey, type HybridSessionStoreConfig } from "../../../store";
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
 * ones stay as they are): a ProxySet of its own, listening from `firstPort` on.
 */
export class ProxiedEnvironment {
  private constructor(
    readonly prefix: string,
    readonly config: HybridSessionStoreConfig,
    readonly cache: CacheObserver,
    readonly durable: DurableObserver,
    private readonly proxies: ProxySet,
  ) {}

  static async start(firstPort: number): Promise<ProxiedEnvironment> {
    const description = await runningEnvironment();
    if (!description.toxiproxy) throw new Error("the local environment has no fault proxy");
    const prefix = testPrefix();
    const proxies = await ProxySet.create(description, {
      // Proxy names allow lowercase letters, digits and -: the prefix's own hex.
      client: `adapter-${prefix.split(":")[1]}`,
      toxiproxyUrl: description.toxiproxy.url,
      portBase: firstPort,
    });
    const config: HybridSessionStoreConfig = {
      ...proxies.storeConfig,
      keyPrefix: prefix,
      maintenanceIntervalMs: 50,
    };
    const cache = await CacheObserver.connect(description.valkey);
    const durable = new DurableObserver(
      observerDynamoClient(description),
      description.dynamodb.table,
    );
    return new ProxiedEnvironment(prefix, config, cache, durable, proxies);
  }

  cacheDown(): Promise<void> {
    return this.proxies.cutOff("valkey");
  }

  dynamoDbDown(): Promise<void> {
    return this.proxies.cutOff("dynamodb");
  }

  async heal(): Promise<void> {
    await Promise.all([this.proxies.heal("valkey"), this.proxies.heal("dynamodb")]);
  }

  /** Deletes this test's proxies; the environment stays as it was. */
  async stop(): Promise<void> {
    await this.proxies.remove().catch(() => undefined);
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
