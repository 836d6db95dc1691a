import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DYNAMODB_MARKER,
  dynamoDbLocalVersion,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from "./DynamoDbLocal";
import type { Environment, EnvironmentDescription } from "./Environment";
import { isRunning, type ProcessRecord, stopProcess } from "./processes";
import { startValkeyCluster, VALKEY_MARKER, valkeyVersion } from "./ValkeyCluster";

export interface LocalEnvironmentOptions {
  /** Folder with DynamoDBLocal.jar (made by scripts/setup.sh). */
  dynamoDbJarDir: string;
  /** Loopback address every server binds to. Default: "127.0.0.1". */
  host?: string;
  /** Valkey client ports (bus ports are these + 10000). Default: 7001..7006. */
  valkeyPorts?: number[];
  /** DynamoDB Local port. Default: 8100. */
  dynamoDbPort?: number;
  /** Default: "session-store". */
  tableName?: string;
  /** Milliseconds before the cluster fails over an unreachable primary. Default: 3000. */
  clusterNodeTimeoutMs?: number;
}

export const DEFAULT_VALKEY_PORTS = [7001, 7002, 7003, 7004, 7005, 7006];
export const DEFAULT_DYNAMODB_PORT = 8100;

/** Real servers on this machine: a 6-node Valkey cluster and DynamoDB Local, in one temp dir. */
export class LocalEnvironment implements Environment {
  private constructor(readonly description: EnvironmentDescription) {}

  /** Starts every server; if any fails to come up, stops what did and removes the temp dir. */
  static async start(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
    const host = options.host ?? "127.0.0.1";
    const valkeyPorts = options.valkeyPorts ?? DEFAULT_VALKEY_PORTS;
    const tableName = options.tableName ?? "session-store";
    const workDir = mkdtempSync(join(tmpdir(), "hss-env-"));
    const started: ProcessRecord[] = [];
    try {
      const [nodes, dynamo] = await Promise.all([
        startValkeyCluster(
          {
            host,
            ports: valkeyPorts,
            workDir,
            nodeTimeoutMs: options.clusterNodeTimeoutMs ?? 3000,
          },
          ({ pid }) => started.push({ pid, marker: VALKEY_MARKER }),
        ),
        startDynamoDbLocal(
          {
            host,
            port: options.dynamoDbPort ?? DEFAULT_DYNAMODB_PORT,
            jarDir: options.dynamoDbJarDir,
            workDir,
            tableName,
          },
          (pid) => started.push({ pid, marker: DYNAMODB_MARKER }),
        ),
      ]);
      const seeds = valkeyPorts.slice(0, 3).map((port) => ({ host, port }));
      const ddbPid = started.find((p) => p.marker === DYNAMODB_MARKER)?.pid;
      return new LocalEnvironment({
        kind: "local",
        valkey: { seeds, nodes, version: await valkeyVersion() },
        dynamodb: {
          endpoint: dynamo.endpoint,
          region: LOCAL_REGION,
          table: tableName,
          version: dynamoDbLocalVersion(options.dynamoDbJarDir),
          pid: ddbPid,
        },
        storeConfig: {
          valkey: { addresses: seeds },
          dynamodb: {
            endpoint: dynamo.endpoint,
            region: LOCAL_REGION,
            credentials: LOCAL_CREDENTIALS,
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

  async stop(): Promise<void> {
    await Promise.all(this.processes().map(({ proc }) => stopProcess(proc)));
    if (this.description.workDir?.includes("hss-env-")) {
      rmSync(this.description.workDir, { recursive: true, force: true });
    }
  }
}
