import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { eventually } from "../common/eventually";
import { createTableInput, SESSION_TABLE } from "../store";
import { isListening, isRunning, startServer, tail } from "./processes";

export const DYNAMODB_MARKER = "DynamoDBLocal.jar";

/** DynamoDB Local checks nothing, but the SDK wants credentials: these name the local setup, no secret. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "ap-northeast-1";

export interface DynamoDbLocalOptions {
  host: string;
  port: number;
  /** Folder holding DynamoDBLocal.jar, DynamoDBLocal_lib/ and VERSION (made by scripts/setup.sh). */
  jarDir: string;
  workDir: string;
  tableName: string;
}

export function dynamoDbLocalVersion(jarDir: string): string {
  try {
    return readFileSync(join(jarDir, "VERSION"), "utf8").trim();
  } catch {
    return "unknown";
  }
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  // A copy: the SDK annotates the credentials object it is given.
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
  });
}

/**
 * Starts DynamoDB Local in memory with one shared database (so every client sees the same tables
 * whatever its credentials), waits until it answers, and creates the session table with TTL on.
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions,
  onStarted: (pid: number) => void,
): Promise<{ endpoint: string }> {
  const { host, port, jarDir, workDir } = options;
  if (await isListening(host, port)) {
    throw new Error(
      `port ${port} on ${host} is already in use: is another environment running? (npm run env:status)`,
    );
  }
  const logFile = join(workDir, "dynamodb-local.log");
  const pid = await startServer(
    "java",
    [
      "-Xmx512m",
      `-Djava.library.path=${join(jarDir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(jarDir, "DynamoDBLocal.jar"),
      "-inMemory",
      "-sharedDb",
      "-port",
      String(port),
    ],
    { cwd: jarDir, logFile },
  );
  onStarted(pid);
  const endpoint = `http://${host}:${port}`;
  const client = localDynamoClient(endpoint);
  try {
    await eventually(
      async () => {
        if (!isRunning({ pid, marker: DYNAMODB_MARKER })) {
          throw new Error(`DynamoDB Local exited:\n${tail(logFile)}`);
        }
        await client.send(new ListTablesCommand({}));
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "DynamoDB Local to answer" },
    );
    await createSessionTable(client, options.tableName);
  } finally {
    client.destroy();
  }
  return { endpoint };
}

export async function createSessionTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await eventually(
    async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus !== "ACTIVE") throw new Error(`table is ${Table?.TableStatus}`);
    },
    { timeoutMs: 10_000, what: `table ${tableName} to be active` },
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: SESSION_TABLE.ttlAttribute, Enabled: true },
    }),
  );
}
