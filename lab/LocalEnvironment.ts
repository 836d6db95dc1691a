import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../common/eventually";
import { messageOf } from "../common/messageOf";
import { type ClusterNode, clusterNodes, respCommand } from "../probe/resp";
import {
  DYNAMODB_MARKER,
  dynamoDbLocalVersion,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from "./DynamoDbLocal";
import type { Environment, EnvironmentDescription, ValkeyNodeDescription } from "./Environment";
import {
  addressMapOf,
  type ProxyDescription,
  proxiedSeeds,
  removeProxies,
  startFaultProxy,
  TOXIPROXY_MARKER,
} from "./FaultProxy";
import { isRunning, killProcess, type ProcessRecord, stopProcess } from "./processes";
import {
  awaitClusterReady,
  startValkeyCluster,
  startValkeyNode,
  VALKEY_MARKER,
  valkeyVersion,
} from "./ValkeyCluster";

export interface LocalEnvironmentOptions {
  /** Folder with DynamoDBLocal.jar (made by scripts/setup.sh). */
  dynamoDbJarDir: string;
  /** Loopback address every server binds to. Default: "127.0.0.1". */
  host?: string;
  /**
   * The loopback address the Valkey nodes give their clients for themselves, where each node's
   * fault proxy listens on the node's own port: a client that dials a node on the cluster's word
   * (CLUSTER SLOTS, MOVED) reaches it through its proxy, translated or not (GLIDE 2.5 follows a
   * MOVED around its addressResolver, valkey-glide#6963). Default: "127.0.0.2".
   */
  announcedHost?: string;
  /** Valkey client ports (bus ports are these + 10000). Default: 7001..7006. */
  valkeyPorts?: number[];
  /** DynamoDB Local port. Default: 8100. */
  dynamoDbPort?: number;
  /** Default: "session-store". */
  tableName?: string;
  /** Milliseconds before the cluster fails over an unreachable primary. Default: 3000. */
  clusterNodeTimeoutMs?: number;
  /** The embedded Toxiproxy server's entry point (scripts/toxiproxy-server.ts). */
  embeddedToxiproxyScript: string;
  /** A running Toxiproxy to use instead of starting one (TOXIPROXY_URL). */
  toxiproxyUrl?: string;
  /** Toxiproxy API port when one is started. Default: 8474. */
  toxiproxyApiPort?: number;
}

/** DynamoDB's proxy listens on its port + 20000 (28100: below 32768, the ephemeral range). */
const PROXY_PORT_OFFSET = 20_000;

export const DEFAULT_VALKEY_PORTS = [7001, 7002, 7003, 7004, 7005, 7006];
export const DEFAULT_DYNAMODB_PORT = 8100;

/** Real servers on this machine: a 6-node Valkey cluster and DynamoDB Local, in one temp dir. */
export class LocalEnvironment implements Environment {
  private constructor(readonly description: EnvironmentDescription) {}

  /** Starts every server; if any fails to come up, stops what did and removes the temp dir. */
  static async start(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
    const host = options.host ?? "127.0.0.1";
    const announcedHost = options.announcedHost ?? "127.0.0.2";
    const valkeyPorts = options.valkeyPorts ?? DEFAULT_VALKEY_PORTS;
    const tableName = options.tableName ?? "session-store";
    const workDir = mkdtempSync(join(tmpdir(), "hss-env-"));
    const nodeTimeoutMs = options.clusterNodeTimeoutMs ?? 3000;
    const dynamoDbPort = options.dynamoDbPort ?? DEFAULT_DYNAMODB_PORT;
    const started: ProcessRecord[] = [];
    try {
      const [nodes, dynamo] = await Promise.all([
        startValkeyCluster(
          {
            host,
            announcedHost,
            ports: valkeyPorts,
            workDir,
            nodeTimeoutMs: options.clusterNodeTimeoutMs ?? 3000,
          },
          ({ pid }) => started.push({ pid, marker: VALKEY_MARKER }),
        ),
        startDynamoDbLocal(
          {
            host,
            port: dynamoDbPort,
            jarDir: options.dynamoDbJarDir,
            workDir,
            tableName,
          },
          (pid) => started.push({ pid, marker: DYNAMODB_MARKER }),
        ),
      ]);
      const seeds = valkeyPorts.slice(0, 3).map((port) => ({ host, port }));
      const ddbPid = started.find((p) => p.marker === DYNAMODB_MARKER)?.pid;
      const proxies: ProxyDescription[] = [
        ...valkeyPorts.map((port) => ({
          name: `valkey-${port}`,
          listen: `${announcedHost}:${port}`,
          upstream: `${host}:${port}`,
          announced: `${announcedHost}:${port}`,
          store: "valkey" as const,
        })),
        {
          name: "dynamodb",
          listen: `${host}:${dynamoDbPort + PROXY_PORT_OFFSET}`,
          upstream: new URL(dynamo.endpoint).host,
          store: "dynamodb" as const,
        },
      ];
      const toxiproxy = await startFaultProxy(
        {
          host,
          apiPort: options.toxiproxyApiPort ?? 8474,
          url: options.toxiproxyUrl,
          embeddedScript: options.embeddedToxiproxyScript,
          workDir,
          proxies,
        },
        (pid) => started.push({ pid, marker: TOXIPROXY_MARKER }),
      );
      return new LocalEnvironment({
        kind: "local",
        valkey: { seeds, nodes, version: await valkeyVersion(), nodeTimeoutMs, announcedHost },
        dynamodb: {
          endpoint: dynamo.endpoint,
          region: LOCAL_REGION,
          table: tableName,
          version: dynamoDbLocalVersion(options.dynamoDbJarDir),
          pid: ddbPid,
        },
        toxiproxy,
        storeConfig: {
          valkey: { addresses: proxiedSeeds(seeds, proxies), addressMap: addressMapOf(proxies) },
          dynamodb: {
            endpoint: `http://${host}:${dynamoDbPort + PROXY_PORT_OFFSET}`,
            region: LOCAL_REGION,
            credentials: { ...LOCAL_CREDENTIALS },
          },
          tableName,
        },
        workDir,
        startedAt: new Date().toISOString(),
      });
    } catch (error) {
      await Promise.allSettled(started.map((p) => stopProcess(p)));
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** An environment started earlier (by `npm run env:up` or another run), from its description. */
  static attach(description: EnvironmentDescription): LocalEnvironment {
    return new LocalEnvironment(description);
  }

  /** The processes this environment started, each with what it is. */
  processes(): { what: string; proc: ProcessRecord }[] {
    const { valkey, dynamodb } = this.description;
    const list = valkey.nodes
      .filter((n) => n.pid !== undefined)
      .map((n) => ({
        what: `Valkey node ${n.host}:${n.port}`,
        proc: { pid: n.pid as number, marker: VALKEY_MARKER },
      }));
    if (dynamodb.pid !== undefined) {
      list.push({
        what: `DynamoDB Local (${dynamodb.endpoint})`,
        proc: { pid: dynamodb.pid, marker: DYNAMODB_MARKER },
      });
    }
    const toxiproxy = this.description.toxiproxy;
    if (toxiproxy?.pid !== undefined) {
      list.push({
        what: `the fault proxy (${toxiproxy.url})`,
        proc: { pid: toxiproxy.pid, marker: TOXIPROXY_MARKER },
      });
    }
    return list;
  }

  async checkHealth(): Promise<void> {
    const down = this.processes().filter(({ proc }) => !isRunning(proc));
    if (down.length > 0) {
      throw new Error(
        `the local environment is broken: ${down.map(({ what, proc }) => `${what} (pid ${proc.pid})`).join(", ")} stopped running`,
      );
    }
  }

  async killNode(port: number): Promise<void> {
    const node = this.node(port);
    if (node.pid === undefined) throw new Error(`node ${port} was not started by this environment`);
    await killProcess({ pid: node.pid, marker: VALKEY_MARKER });
  }

  /** Starts the node again from its folder and waits until the cluster is whole and in sync. */
  async restartNode(port: number): Promise<void> {
    await this.startNodeAgain(port);
    await this.awaitHealthy(`node ${port} to rejoin the cluster`);
  }

  async pauseNode(port: number): Promise<void> {
    this.signalNode(port, "SIGSTOP");
  }

  /**
   * A primary paused for less than the cluster node timeout simply goes on; one paused longer was
   * failed over, and comes back as a replica of its promoted replica, resyncing from it.
   */
  async resumeNode(port: number): Promise<void> {
    this.signalNode(port, "SIGCONT");
    await this.awaitHealthy(`node ${port} to be back in a healthy cluster after its pause`);
  }

  /**
   * Kills the node and starts it again at once, with no data (persistence is off). It keeps only
   * nodes.conf, its identity. A primary restarted so, before its failover (cluster-node-timeout),
   * comes back as the same primary with no keys, and its replica then resyncs from it and empties
   * too: every key of that shard is lost. A replica restarted so resyncs from its primary.
   */
  async restartNodeEmpty(port: number): Promise<void> {
    await this.killNode(port);
    // A replica's full sync writes dump.rdb even with saving off; the node would load it again.
    for (const file of ["dump.rdb", "appendonlydir"])
      rmSync(join(this.nodeDir(port), file), { recursive: true, force: true });
    await this.startNodeAgain(port);
    await this.awaitHealthy(`node ${port}, restarted empty, to rejoin the cluster`);
  }

  /** FLUSHALL on every primary over a direct connection; resolves once every node is empty. */
  async flushCache(): Promise<void> {
    const current = await this.clusterView();
    for (const primary of current.filter((n) => n.role === "primary"))
      await respCommand(primary.host, primary.port, ["FLUSHALL", "SYNC"]);
    await eventually(
      async () => {
        for (const node of current) {
          const size = await respCommand(node.host, node.port, ["DBSIZE"]);
          if (size !== 0) throw new Error(`node ${node.port} still holds ${size} keys`);
        }
      },
      { timeoutMs: 10_000, intervalMs: 50, what: "every Valkey node to be empty" },
    );
  }

  /** The cluster as the first node that answers sees it (a paused or killed node does not). */
  private async clusterView(): Promise<ClusterNode[]> {
    let last: unknown;
    for (const node of this.description.valkey.nodes) {
      try {
        // Each at the address it listens on: the cluster names its nodes by announcedHost.
        return (await clusterNodes(node.host, node.port)).map((n) => ({ ...n, host: node.host }));
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`no Valkey node answers: ${messageOf(last)}`);
  }

  private signalNode(port: number, signal: "SIGSTOP" | "SIGCONT"): void {
    const node = this.node(port);
    const proc = { pid: node.pid ?? -1, marker: VALKEY_MARKER };
    if (node.pid === undefined || !isRunning(proc))
      throw new Error(`node ${port} is not a running process of this environment`);
    process.kill(node.pid, signal);
  }

  private nodeDir(port: number): string {
    const { workDir } = this.description;
    if (!workDir) throw new Error("this environment has no folder to restart a node from");
    return join(workDir, `valkey-${port}`);
  }

  /** Starts a stopped node from its folder under a new pid, recorded in the description. */
  private async startNodeAgain(port: number): Promise<void> {
    const node = this.node(port);
    const options = {
      host: node.host,
      announcedHost: this.description.valkey.announcedHost,
      ports: [],
      workDir: join(this.nodeDir(port), ".."),
      nodeTimeoutMs: this.description.valkey.nodeTimeoutMs ?? 3000,
    };
    node.pid = await startValkeyNode(options, port);
  }

  /** Waits until the cluster is whole and in sync, then records each node's role as it is now. */
  private async awaitHealthy(what: string): Promise<void> {
    const { nodes } = this.description.valkey;
    const host = nodes[0]?.host ?? "127.0.0.1";
    await awaitClusterReady(
      host,
      nodes.map((n) => n.port),
      what,
    );
    const roles = new Map((await this.clusterView()).map((n) => [n.port, n.role]));
    for (const node of nodes) node.role = roles.get(node.port) ?? node.role;
  }

  private node(port: number): ValkeyNodeDescription {
    const node = this.description.valkey.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no Valkey node on port ${port}`);
    return node;
  }

  /**
   * Stops every process this environment started and removes its folder; on a fault proxy it did
   * not start (TOXIPROXY_URL), removes the proxies it made and any other proxy to its servers, so
   * that their ports are free for the next `env:up`.
   */
  async stop(): Promise<void> {
    await Promise.all(this.processes().map(({ proc }) => stopProcess(proc)));
    if (this.description.workDir?.includes("hss-env-")) {
      rmSync(this.description.workDir, { recursive: true, force: true });
    }
    const { toxiproxy, valkey, dynamodb } = this.description;
    if (!toxiproxy || toxiproxy.pid !== undefined) return;
    const upstreams = [
      ...valkey.nodes.map((n) => `${n.host}:${n.port}`),
      ...(dynamodb.endpoint ? [new URL(dynamodb.endpoint).host] : []),
    ];
    try {
      await removeProxies(toxiproxy, upstreams);
    } catch (error) {
      throw new Error(
        `the environment stopped, but its proxies on the fault proxy at ${toxiproxy.url} could not be removed: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
}
