import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ITEM_ATTRIBUTES, SESSION_TABLE, type Session } from "../../store";

/** A raw DynamoDB item of the session table. */
export interface DurableEntry {
  payload: string;
  version: number;
  /** The TTL attribute: integer epoch seconds. */
  expiresAt: number;
  session: Omit<Session, "source">;
}

/** Looks at the durable table directly, beside the store under test. */
export class DurableObserver {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async entry(id: string): Promise<DurableEntry | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [SESSION_TABLE.partitionKey]: { S: id } },
        ConsistentRead: true,
      }),
    );
    // A deleted session's tombstone (kept until its old expiry) holds no session.
    if (!Item || Item[ITEM_ATTRIBUTES.deleted]?.BOOL === true) return null;
    const payload = Item[ITEM_ATTRIBUTES.payload]?.S ?? "";
    const ttl = Item[SESSION_TABLE.ttlAttribute];
    if (ttl?.N === undefined || !/^\d+$/.test(ttl.N)) {
      throw new Error(
        `item ${id} has no integer ${SESSION_TABLE.ttlAttribute}: ${JSON.stringify(ttl)}`,
      );
    }
    return {
      payload,
      version: Number(Item[ITEM_ATTRIBUTES.version]?.N),
      expiresAt: Number(ttl.N),
      session: JSON.parse(payload) as Omit<Session, "source">,
    };
  }

  close(): void {
    this.client.destroy();
  }
}
