import {
  ConditionalCheckFailedException,
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
  /** Epoch milliseconds; 0 for an item written before the attribute existed. */
  createdAt: number;
  expiresAt: number;
  /** A deleted session's tombstone: no session, but its place in the order of copies. */
  deleted: boolean;
}

/** Where a copy stands among every copy of a session: compared by createdAt, version, then bytes. */
export interface DurableOrder {
  createdAt: number;
  version: number;
  payload: string;
}

/** Errors after which DynamoDB never had the request: the connection was refused or never made. */
const NEVER_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** A call's failure after every attempt, and whether any attempt may have reached DynamoDB. */
export class DurableCallError extends Error {
  constructor(
    readonly last: unknown,
    /** False only when every attempt failed before DynamoDB could receive it. */
    readonly maybeApplied: boolean,
  ) {
    super(`DynamoDB failed: ${last instanceof Error ? last.message : String(last)}`, {
      cause: last,
    });
  }
}

/** True when this one attempt cannot have reached DynamoDB (refused, no route, or answered 4xx). */
function attemptNeverApplied(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    cause?: { code?: unknown };
    $metadata?: { httpStatusCode?: number };
  };
  const code = String(e?.code ?? e?.cause?.code ?? "");
  if (NEVER_SENT.has(code)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

/**
 * True when DynamoDB cannot have applied the failed call: every attempt was refused or answered
 * 4xx. False after a timeout, a reset or a lost answer on any attempt, or a 500.
 */
export function neverApplied(error: unknown): boolean {
  return error instanceof DurableCallError ? !error.maybeApplied : attemptNeverApplied(error);
}

/** Errors worth another attempt: the network's and the service's own, not a refusal of the request. */
function retryable(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.name === "AbortError") return false;
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500) return true;
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(String(e?.name));
}

const KEY = SESSION_TABLE.partitionKey;
const TTL = SESSION_TABLE.ttlAttribute;
const PAYLOAD = ITEM_ATTRIBUTES.payload;
const VERSION = ITEM_ATTRIBUTES.version;
const CREATED = ITEM_ATTRIBUTES.createdAt;
const DELETED = ITEM_ATTRIBUTES.deleted;

/**
 * The conditions "the table's copy is before :c/:v/:p" (order of copies: createdAt, version, a
 * tombstone before a live copy, then the bytes), for a live copy and for a tombstone.
 */
const BEFORE =
  "attribute_not_exists(#k) OR attribute_not_exists(#c) OR #c < :c OR (#c = :c AND (#v < :v OR (#v = :v AND";
const OLDER_THAN_LIVE = `${BEFORE} attribute_not_exists(#d) AND #p < :p)))`;
const OLDER_THAN_TOMBSTONE = `${BEFORE} (attribute_not_exists(#d) OR #p < :p))))`;
const OLDER_NAMES = { "#k": KEY, "#c": CREATED, "#v": VERSION, "#p": PAYLOAD, "#d": DELETED };
const orderValues = (o: DurableOrder) => ({
  ":c": { N: String(o.createdAt) },
  ":v": { N: String(o.version) },
  ":p": { S: o.payload },
});

/**
 * The durable side of the store: one DynamoDB table, every write conditional, every call bounded in
 * time. A conditional write that fails because an earlier attempt of the same call (the SDK's retry
 * after a lost answer) already applied it is that call's success.
 */
export class DynamoDurable {
  private readonly client: DynamoDBClient;
  /** Milliseconds one attempt may take, connection included. */
  private readonly callBoundMs: number;
  private readonly maxAttempts: number;

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
      // Attempts are ours (command()), so that what each one did is known: see DurableCallError.
      maxAttempts: 1,
      // This SDK only warns on a request timeout unless told to throw: a black hole would hang a call.
      requestHandler: {
        requestTimeout: requestTimeoutMs,
        connectionTimeout: connectTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
    this.maxAttempts = maxAttempts;
    this.callBoundMs = connectTimeoutMs + requestTimeoutMs + connectTimeoutMs;
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
        this.bounded(),
      );
      return out.Item ? toDurable(out.Item) : null;
    });
  }

  /** A consistent read of a live item, counted as a DynamoDB read; null when absent or expired. */
  async getLive(id: string): Promise<DurableItem | null> {
    this.stats.count("dynamodb", "reads");
    const item = await this.get(id);
    const live = liveItem(item, this.config.clock());
    this.stats.count("dynamodb", live ? "hits" : "misses");
    return live;
  }

  /**
   * Writes a new session. Fails with `false` when a live session has the id (an expired one, which
   * DynamoDB may not have deleted yet, is replaced).
   */
  putNew(record: SessionRecord, nowSeconds: number): Promise<boolean> {
    return this.conditionalPut(record, {
      ConditionExpression: "attribute_not_exists(#k) OR #ttl <= :now OR attribute_exists(#d)",
      ExpressionAttributeNames: { "#k": KEY, "#ttl": TTL, "#d": DELETED },
      ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
    });
  }

  /** Replaces version `expectedVersion` of a live session; `false` when it is no longer that. */
  replace(record: SessionRecord, expectedVersion: number, nowSeconds: number): Promise<boolean> {
    return this.conditionalPut(record, {
      // The same incarnation too: a re-created id may reach the same version number.
      ConditionExpression:
        "#v = :expected AND (attribute_not_exists(#c) OR #c = :c) AND #ttl > :now",
      ExpressionAttributeNames: { "#v": VERSION, "#c": CREATED, "#ttl": TTL },
      ExpressionAttributeValues: {
        ":expected": { N: String(expectedVersion) },
        ":c": { N: String(record.createdAt) },
        ":now": { N: String(nowSeconds) },
      },
    });
  }

  /** Writes the record unless the table holds it or a later copy (replays are idempotent). */
  putIfNewer(record: SessionRecord): Promise<boolean> {
    return this.conditionalPut(record, {
      ConditionExpression: OLDER_THAN_LIVE,
      ExpressionAttributeNames: OLDER_NAMES,
      ExpressionAttributeValues: orderValues(record),
    });
  }

  /** A tombstone in place of whatever copy is older (a journalled delete's replay); false when kept. */
  putTombstoneIfNewer(tombstone: SessionRecord): Promise<boolean> {
    return this.conditionalPut(
      tombstone,
      {
        ConditionExpression: OLDER_THAN_TOMBSTONE,
        ExpressionAttributeNames: OLDER_NAMES,
        ExpressionAttributeValues: orderValues(tombstone),
      },
      true,
    );
  }

  /**
   * Replaces `seen` with `tombstone` while the item still holds exactly `seen`; true when the session
   * is gone afterwards (by this call, by an earlier attempt of it whose answer was lost, or by another
   * deleter), false when another version took its place meanwhile.
   */
  async deleteIfEqual(
    seen: DurableItem & { id: string },
    tombstone: SessionRecord,
  ): Promise<boolean> {
    const replaced = await this.conditionalPut(
      tombstone,
      {
        ConditionExpression: "#p = :p",
        ExpressionAttributeNames: { "#p": PAYLOAD },
        ExpressionAttributeValues: { ":p": { S: seen.payload } },
      },
      true,
    );
    if (replaced) return true;
    const now = await this.get(seen.id);
    return now === null || now.deleted;
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
    tombstone = false,
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
              [CREATED]: { N: String(record.createdAt) },
              [TTL]: { N: String(record.expiresAt) },
              ...(tombstone ? { [DELETED]: { BOOL: true } } : {}),
            },
            ...condition,
          }),
          this.bounded(),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Our own earlier attempt (its answer lost, the SDK retried) is our success.
        return (await this.get(record.id))?.payload === record.payload;
      }
    });
  }

  /** Per-call options: an abort at the call's bound, whatever the retries and the network do. */
  private bounded(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.callBoundMs) };
  }

  /**
   * Runs a call, attempt after attempt (up to maxAttempts, while its error is worth another), timed
   * and counted as one command. Fails with a DurableCallError that says whether any attempt may have
   * reached DynamoDB.
   */
  private async command<T>(name: StoreCommand, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let maybeApplied = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await run();
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) throw error;
          maybeApplied ||= !attemptNeverApplied(error);
          if (attempt >= this.maxAttempts || !retryable(error)) {
            throw new DurableCallError(error, maybeApplied);
          }
        }
      }
    } catch (error) {
      this.stats.count("dynamodb", "errors");
      throw error;
    } finally {
      this.stats.recordCommand("dynamodb", name, performance.now() - started);
    }
  }
}

/** The item as a live session's, or null: absent, a tombstone, or expired at `now` (epoch ms). */
export function liveItem(item: DurableItem | null, now: number): DurableItem | null {
  return item && !item.deleted && isLive(item.expiresAt, now) ? item : null;
}

type Attributes = Record<string, { S?: string; N?: string; BOOL?: boolean } | undefined>;

function toDurable(item: Attributes): DurableItem {
  return {
    payload: item[PAYLOAD]?.S ?? "",
    version: Number(item[VERSION]?.N ?? 0),
    createdAt: Number(item[CREATED]?.N ?? 0),
    expiresAt: Number(item[TTL]?.N ?? 0),
    deleted: item[DELETED]?.BOOL === true,
  };
}
