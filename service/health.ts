/**
 * Health probes of the store's two back ends. The store has no health API yet, so the service
 * probes them itself, with clients built from the same configuration the store was built from.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GlideClusterClient } from "@valkey/valkey-glide";
import { addressResolverOf, type HybridSessionStoreConfig, type StoreName } from "../store";
import { resolveConfig } from "../store/config";

export type StoreState = "up" | "down";

export interface StoreHealth {
  state: StoreState;
  /** How long the probe took, in milliseconds. */
  latencyMs: number;
  /** Why the store counts as down. */
  reason?: string;
}

export interface HealthReport {
  /** "ok": both answer; "degraded": one does; "down": neither can serve. */
  status: "ok" | "degraded" | "down";
  stores: Record<StoreName, StoreHealth>;
}

export interface HealthProbeOptions {
  /** Deadline of each probe in milliseconds; both run at once. Default: 400. */
  timeoutMs?: number;
}

class ProbeTimeout extends Error {}

/** Rejects with ProbeTimeout after `ms`, and aborts `controller` so the work stops too. */
function deadline<T>(run: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeTimeout(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([run(controller.signal), expired]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Probes the cache with a PING through its own GlideClusterClient and DynamoDB with DescribeTable.
 * Clients are created on the first probe and kept; a cache client that failed to connect is
 * dropped so that the next probe connects anew.
 */
export class HealthProbe {
  private cache: Promise<GlideClusterClient> | undefined;
  private readonly dynamodb: DynamoDBClient;
  private readonly timeoutMs: number;
  private readonly config: ReturnType<typeof resolveConfig>;
  private closed = false;

  constructor(storeConfig: HybridSessionStoreConfig, options: HealthProbeOptions = {}) {
    this.config = resolveConfig(storeConfig);
    this.timeoutMs = options.timeoutMs ?? 400;
    const { region, endpoint, credentials } = this.config.dynamodb;
    this.dynamodb = new DynamoDBClient({
      region,
      maxAttempts: 1,
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
  }

  async check(): Promise<HealthReport> {
    const [cache, dynamodb] = await Promise.all([
      this.probe(() => this.pingCache()),
      this.probe((signal) => this.describeTable(signal)),
    ]);
    const up = [cache, dynamodb].filter((s) => s.state === "up").length;
    return {
      status: up === 2 ? "ok" : up === 1 ? "degraded" : "down",
      stores: { cache, dynamodb },
    };
  }

  close(): void {
    this.closed = true;
    const cache = this.cache;
    this.cache = undefined;
    cache?.then(
      (client) => client.close(),
      () => undefined,
    );
    this.dynamodb.destroy();
  }

  private async probe(run: (signal: AbortSignal) => Promise<void>): Promise<StoreHealth> {
    const started = performance.now();
    const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      await deadline(run, this.timeoutMs);
      return { state: "up", latencyMs: latencyMs() };
    } catch (error) {
      return { state: "down", latencyMs: latencyMs(), reason: reasonOf(error) };
    }
  }

  private async pingCache(): Promise<void> {
    const client = await this.cacheClient();
    await client.ping();
  }

  private async describeTable(abortSignal: AbortSignal): Promise<void> {
    const { Table } = await this.dynamodb.send(
      new DescribeTableCommand({ TableName: this.config.tableName }),
      { abortSignal },
    );
    if (Table?.TableStatus !== "ACTIVE") {
      throw new Error(`table ${this.config.tableName} is ${Table?.TableStatus ?? "unknown"}`);
    }
  }

  private cacheClient(): Promise<GlideClusterClient> {
    if (this.closed) return Promise.reject(new Error("health probe is closed"));
    if (this.cache) return this.cache;
    const { addresses, useTls, clientName } = this.config.valkey;
    const connecting = GlideClusterClient.createClient({
      addresses,
      addressResolver: addressResolverOf(this.config.valkey),
      requestTimeout: this.timeoutMs,
      useTLS: useTls,
      clientName: `${clientName}-health`,
      advancedConfiguration: { connectionTimeout: this.timeoutMs },
    });
    this.cache = connecting;
    connecting.then(
      (client) => {
        if (this.closed) client.close();
      },
      () => {
        if (this.cache === connecting) this.cache = undefined;
      },
    );
    return connecting;
  }
}
