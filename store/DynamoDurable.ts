import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { ResolvedConfig } from "./config";
import { isLive, type SessionRecord } from "./SessionRecord";
import type { StoreCommand, StoreStats } from "./StoreStats";
import { ITEM_ATTRIBUTES, SESSION_TABLE } from "./TableSchema";

/** What the durable store holds for a session. */
export interface DurableItem {
  payload: string;
  version: number;
  expiresAt: number;
}

const KEY = SESSION_TABLE.partitionKey;
const TTL = SESSION_TABLE.ttlAttribute;
const PAYLOAD = ITEM_ATTRIBUTES.payload;
const VERSION = ITEM_ATTRIBUTES.version;

/** The durable side of the store: one DynamoDB table, every write conditional. */
export class DynamoDurable {
  private readonly client: DynamoDBClient;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly stats: StoreStats,
  ) {
    const { region, endpoint, credentials, maxAttempts, requestTimeoutMs, connectTimeoutMs } =
      config.dynamodb;
    this.client = new DynamoDBClient({
      region,
      endpoint,
      credentials,
      maxAttempts,
      requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: connectTimeoutMs },
    });
  }

  /** A strongly consistent read; expired items are returned too (the caller decides). */
  get(id: string): Promise<DurableItem | null> {
    return this.command("get", async () => {
      const out = await this.client.send(
        new GetItemCommand({
          TableName: this.config.tableName,
          Key: { [KEY]: { S: id } },
          ConsistentRead: true,
        }),
      );
      return out.Item ? toDurable(out.Item) : null;
    });
  }

  /** A consistent read of a live item, counted as a DynamoDB read; null when absent or expired. */
  async getLive(id: string): Promise<DurableItem | null> {
    this.stats.count("dynamodb", "reads");
    const item = await this.get(id);
    const live = item && isLive(item.expiresAt) ? item : null;
    this.stats.count("dynamodb", live ? "hits" : "misses");
    return live;
  }

  /**
   * Writes a new session. Fails with `false` when a live session has the id (an expired one, which
   * DynamoDB may not have deleted yet, is replaced).
   */
  putNew(record: SessionRecord, nowSeconds: number): Promise<boolean> {
    return this.conditionalPut(record, {
      ConditionExpression: "attribute_not_exists(#k) OR #ttl <= :now",
      ExpressionAttributeNames: { "#k": KEY, "#ttl": TTL },
      ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
    });
  }

  /** Replaces version `expectedVersion` of a live session; `false` when it is no longer that. */
  replace(record: SessionRecord, expectedVersion: number, nowSeconds: number): Promise<boolean> {
    return this.conditionalPut(record, {
      ConditionExpression: "#v = :expected AND #ttl > :now",
      ExpressionAttributeNames: { "#v": VERSION, "#ttl": TTL },
      ExpressionAttributeValues: {
        ":expected": { N: String(expectedVersion) },
        ":now": { N: String(nowSeconds) },
      },
    });
  }

  /** Writes the record unless the table holds the same or a newer version (replays are idempotent). */
  putIfNewer(record: SessionRecord): Promise<boolean> {
    return this.conditionalPut(record, {
      ConditionExpression: "attribute_not_exists(#k) OR #v < :v",
      ExpressionAttributeNames: { "#k": KEY, "#v": VERSION },
      ExpressionAttributeValues: { ":v": { N: String(record.version) } },
    });
  }

  /** Deletes the item unless it holds version `version` or newer; false when it was kept. */
  deleteIfOlder(id: string, version: number): Promise<boolean> {
    return this.command("delete", async () => {
      try {
        await this.client.send(
          new DeleteItemCommand({
            TableName: this.config.tableName,
            Key: { [KEY]: { S: id } },
            ConditionExpression: "attribute_not_exists(#k) OR #v < :v",
            ExpressionAttributeNames: { "#k": KEY, "#v": VERSION },
            ExpressionAttributeValues: { ":v": { N: String(version) } },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }

  /** Deletes the item; returns what it held, or null when there was none. */
  delete(id: string): Promise<DurableItem | null> {
    return this.command("delete", async () => {
      const out = await this.client.send(
        new DeleteItemCommand({
          TableName: this.config.tableName,
          Key: { [KEY]: { S: id } },
          ReturnValues: "ALL_OLD",
        }),
      );
      return out.Attributes ? toDurable(out.Attributes) : null;
    });
  }

  close(): void {
    this.client.destroy();
  }

  private conditionalPut(
    record: SessionRecord,
    condition: Pick<
      ConstructorParameters<typeof PutItemCommand>[0],
      "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    return this.command("write", async () => {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.config.tableName,
            Item: {
              [KEY]: { S: record.id },
              [PAYLOAD]: { S: record.payload },
              [VERSION]: { N: String(record.version) },
              [TTL]: { N: String(record.expiresAt) },
            },
            ...condition,
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }

  private async command<T>(name: StoreCommand, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      this.stats.count("dynamodb", "errors");
      throw error;
    } finally {
      this.stats.recordCommand("dynamodb", name, performance.now() - started);
    }
  }
}

type Attributes = Record<string, { S?: string; N?: string } | undefined>;

function toDurable(item: Attributes): DurableItem {
  return {
    payload: item[PAYLOAD]?.S ?? "",
    version: Number(item[VERSION]?.N ?? 0),
    expiresAt: Number(item[TTL]?.N ?? 0),
  };
}
