import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { Toxiproxy } from "toxiproxy-node-client";
import { messageOf } from "../common/messageOf";
import { withDeadline } from "../common/withDeadline";
import { clusterNodes, respCommand } from "../probe/resp";
import { ttlProblem } from "../probe/ttl";
import {
  DEFAULT_REGION,
  type DynamoDbConfig,
  type NodeAddress,
  parseAddress,
  SESSION_TABLE,
} from "../store";
import type { Environment, EnvironmentDescription, ValkeyNodeDescription } from "./Environment";
import { addressMapOf, type ProxyDescription, proxiedSeeds, versionOf } from "./FaultProxy";

/** Where an `aws` environment is, as plain data: the entry point reads it from its env vars. */
export interface AwsEnvironmentOptions {
  /** `host:port` of the Valkey cluster's configuration endpoint. */
  valkeyEndpoint: string;
  dynamodb: {
    /** Default: "ap-northeast-1". */
    region?: string;
    /** An endpoint instead of the region's own, for testing (e.g. DynamoDB Local). */
    endpoint?: string;
    /** Static credentials, for an endpoint that wants any; otherwise the SDK's default chain. */
    credentials?: DynamoDbConfig["credentials"];
  };
  tableName: string;
  /** Toxiproxy's API, e.g. "http://127.0.0.1:8474"; proxies are created there, nothing is reset. */
  toxiproxyUrl: string;
  /** Address every proxy listens on. Default: "127.0.0.1". */
  proxyHost?: string;
  /** The n-th node (1-based, in address order) gets a proxy listening on base + n. Default: 27000. */
  proxyPortBase?: number;
  /** Listen port per announced node address (`host:port`), overriding `proxyPortBase`. */
  proxyPorts?: Record<string, number>;
  /** Listen port of DynamoDB's proxy, when there is one. Default: proxyPortBase + 1100. */
  dynamoDbProxyPort?: number;
  /** Prefix of every proxy name, so they never collide with another environment's. Default: "aws-". */
  proxyNamePrefix?: string;
  /** Milliseconds each Valkey command and DynamoDB request may take. Default: 2000. */
  timeoutMs?: number;
}

const DEFAULT_PROXY_PORT_BASE = 27_000;
const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A deployed stack, attached to rather than started: ElastiCache Valkey (cluster mode) reached
 * through one Toxiproxy proxy per node, and DynamoDB.
 *
 * DynamoDB in AWS is reached directly, without a proxy: it only speaks HTTPS, and a TCP proxy on
 * 127.0.0.1 would present the wrong host name to TLS (and to SigV4's signed Host header), which
 * the store's plain-data config cannot fix. So the description's `toxiproxy.proxies` holds no
 * `dynamodb` proxy, and the scenarios that make DynamoDB fail are tagged `@local-only`. An http
 * endpoint override (DynamoDB Local) is proxied like the local environment's.
 *
 * Nodes are not ours to kill, so there is no `killNode`/`restartNode`.
 */
export class AwsEnvironment implements Environment {
  private constructor(
    readonly description: EnvironmentDescription,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Discovers the cluster's nodes from the configuration endpoint, checks the table and its TTL,
   * creates the proxies and describes the result. Creates nothing if a check fails.
   */
  static async attach(options: AwsEnvironmentOptions): Promise<AwsEnvironment> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const endpoint = parseAddress(options.valkeyEndpoint, "the Valkey configuration endpoint");
    const region = options.dynamodb.region ?? DEFAULT_REGION;
    const dynamodb = { ...options.dynamodb, region };
    const [nodes, valkeyVersion] = await discoverCluster(endpoint, timeoutMs);
    await checkTable(dynamodb, options.tableName, timeoutMs);

    const proxies = proxiesFor(nodes, options);
    const toxiproxy = new Toxiproxy(options.toxiproxyUrl);
    let version: string;
    try {
      version = versionOf(await toxiproxy.getVersion());
      await toxiproxy.populate(proxies.map((p) => ({ ...p, enabled: true })));
    } catch (error) {
      await removeProxies(options.toxiproxyUrl, proxies).catch(() => undefined);
      throw new Error(
        `could not create the proxies ${proxies.map((p) => `${p.name} (${p.listen})`).join(", ")} at Toxiproxy ${options.toxiproxyUrl}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const dynamoProxy = proxies.find((p) => p.store === "dynamodb");
    return new AwsEnvironment(
      {
        kind: "aws",
        valkey: {
          seeds: [endpoint],
          nodes,
          version: valkeyVersion,
        },
        dynamodb: {
          ...(dynamodb.endpoint ? { endpoint: dynamodb.endpoint } : {}),
          region,
          table: options.tableName,
          version: dynamodb.endpoint
            ? `DynamoDB at ${dynamodb.endpoint} (${region})`
            : `AWS DynamoDB (${region})`,
        },
        toxiproxy: { url: options.toxiproxyUrl, version, server: "external", proxies },
        storeConfig: {
          valkey: {
            // The proxies' own addresses: the store is never given a node's real address.
            addresses: proxiedSeeds(
              nodes.map(({ host, port }) => ({ host, port })),
              proxies,
            ),
            addressMap: addressMapOf(proxies),
          },
          dynamodb: {
            region,
            ...(dynamoProxy
              ? { endpoint: `http://${dynamoProxy.listen}` }
              : dynamodb.endpoint
                ? { endpoint: dynamodb.endpoint }
                : {}),
            ...(dynamodb.credentials ? { credentials: { ...dynamodb.credentials } } : {}),
          },
          tableName: options.tableName,
        },
        startedAt: new Date().toISOString(),
      },
      timeoutMs,
    );
  }

  /** An environment attached earlier, from its description (nothing is checked or created). */
  static fromDescription(
    description: EnvironmentDescription,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): AwsEnvironment {
    return new AwsEnvironment(description, timeoutMs);
  }

  async checkHealth(): Promise<void> {
    const { valkey, dynamodb, storeConfig } = this.description;
    const ms = this.timeoutMs;
    const problems = await Promise.all([
      ...valkey.nodes.map(async ({ host, port }) => {
        try {
          await withDeadline(respCommand(host, port, ["PING"], ms), ms, "PING");
          return undefined;
        } catch (error) {
          return `Valkey node ${host}:${port} did not answer PING within ${ms} ms (${messageOf(error)})`;
        }
      }),
      tableProblem(
        {
          region: dynamodb.region,
          endpoint: dynamodb.endpoint,
          credentials: storeConfig.dynamodb.credentials,
        },
        dynamodb.table,
        ms,
      ),
    ]);
    const found = problems.filter((p): p is string => p !== undefined);
    if (found.length > 0) throw new Error(`the aws environment is unhealthy: ${found.join("; ")}`);
  }

  /** Removes the proxies this environment created; the servers are not ours to stop. */
  async stop(): Promise<void> {
    const toxiproxy = this.description.toxiproxy;
    if (toxiproxy) await removeProxies(toxiproxy.url, toxiproxy.proxies);
  }
}

/** The healthy nodes, in address order, and the Valkey version; throws unless the cluster is ok. */
async function discoverCluster(
  { host, port }: NodeAddress,
  timeoutMs: number,
): Promise<[ValkeyNodeDescription[], string]> {
  const where = `the Valkey configuration endpoint ${host}:${port}`;
  try {
    const info = String(await respCommand(host, port, ["CLUSTER", "INFO"], timeoutMs));
    if (!/cluster_state:ok/.test(info)) {
      throw new Error(
        `the cluster's state is ${/cluster_state:(\w+)/.exec(info)?.[1] ?? "unknown"}`,
      );
    }
    const nodes = (await clusterNodes(host, port))
      .map(({ host: h, port: p, role }) => ({ host: h, port: p, role }))
      .sort((a, b) => a.host.localeCompare(b.host, "en", { numeric: true }) || a.port - b.port);
    if (!nodes.some((n) => n.role === "primary")) throw new Error("no primary is listed");
    const server = String(await respCommand(host, port, ["INFO", "server"], timeoutMs));
    const version = /valkey_version:([\d.]+)/.exec(server) ?? /redis_version:([\d.]+)/.exec(server);
    return [nodes, version?.[1] ?? "unknown"];
  } catch (error) {
    throw new Error(`${where} is not usable: ${messageOf(error)}`, { cause: error });
  }
}

/** One proxy per node (and one for an http DynamoDB endpoint), named with the prefix. */
function proxiesFor(
  nodes: ValkeyNodeDescription[],
  options: AwsEnvironmentOptions,
): ProxyDescription[] {
  const prefix = options.proxyNamePrefix ?? "aws-";
  const host = options.proxyHost ?? "127.0.0.1";
  const base = options.proxyPortBase ?? DEFAULT_PROXY_PORT_BASE;
  const proxies: ProxyDescription[] = nodes.map((node, i) => {
    const upstream = `${node.host}:${node.port}`;
    return {
      name: `${prefix}valkey-${i + 1}`,
      listen: `${host}:${options.proxyPorts?.[upstream] ?? base + i + 1}`,
      upstream,
      store: "valkey",
    };
  });
  const endpoint = options.dynamodb.endpoint;
  // HTTPS stays end to end with the right host name: not through a TCP proxy (see the class).
  if (endpoint && new URL(endpoint).protocol === "http:") {
    const url = new URL(endpoint);
    proxies.push({
      name: `${prefix}dynamodb`,
      listen: `${host}:${options.dynamoDbProxyPort ?? base + 1100}`,
      upstream: `${url.hostname}:${url.port || 80}`,
      store: "dynamodb",
    });
  }
  const ports = new Set(proxies.map((p) => p.listen));
  if (ports.size !== proxies.length) {
    throw new Error(`two proxies would listen on one address: ${proxies.map((p) => p.listen)}`);
  }
  return proxies;
}

type DynamoTarget = Pick<DynamoDbConfig, "endpoint" | "credentials"> & { region: string };

function dynamoClient(target: DynamoTarget, timeoutMs: number): DynamoDBClient {
  return new DynamoDBClient({
    region: target.region,
    endpoint: target.endpoint,
    // A copy: the SDK annotates the credentials object it is given.
    credentials: target.credentials ? { ...target.credentials } : undefined,
    maxAttempts: 2,
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs },
  });
}

/** Throws unless the table exists and expires items by `expires_at`. */
async function checkTable(target: DynamoTarget, table: string, timeoutMs: number): Promise<void> {
  const problem = await tableProblem(target, table, timeoutMs);
  if (problem) throw new Error(problem);
  const client = dynamoClient(target, timeoutMs);
  try {
    const { TimeToLiveDescription: ttl } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: table }),
    );
    const ttlIssue = ttlProblem(ttl, SESSION_TABLE.ttlAttribute);
    if (ttlIssue)
      throw new Error(`table ${table} does not expire items as the store needs: ${ttlIssue}`);
  } finally {
    client.destroy();
  }
}

/** Why the table cannot serve, in a few words, or undefined when it is ACTIVE. */
async function tableProblem(
  target: DynamoTarget,
  table: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const where = target.endpoint ?? `region ${target.region}`;
  const client = dynamoClient(target, timeoutMs);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const status = Table?.TableStatus ?? "unknown";
    return status === "ACTIVE" ? undefined : `table ${table} in ${where} is ${status}, not ACTIVE`;
  } catch (error) {
    return error instanceof ResourceNotFoundException
      ? `table ${table} does not exist in ${where}`
      : `table ${table} in ${where} could not be described (${messageOf(error)})`;
  } finally {
    client.destroy();
  }
}

/** Deletes those of `proxies` that exist, and only those. */
async function removeProxies(url: string, proxies: ProxyDescription[]): Promise<void> {
  const existing = await new Toxiproxy(url).getAll();
  await Promise.all(proxies.map((p) => existing[p.name]?.remove()));
}

/** Toxiproxy answers GET /version with plain text in old releases and `{"version": ...}` since 2.6. */
