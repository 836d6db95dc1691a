import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The one definition of the durable table. The local environment creates the table from it and the
 * CloudFormation template is checked against it, so the store, DynamoDB Local and AWS agree.
 */
export const SESSION_TABLE = {
  /** Default table name. */
  tableName: "session-store",
  /** Partition key, a String holding the session id. */
  partitionKey: "session_id",
  /** TTL attribute, a Number holding integer epoch seconds. */
  ttlAttribute: "expires_at",
  /** On-demand capacity. */
  billingMode: "PAY_PER_REQUEST",
} as const;

/** Attribute names of an item, beside the key and the TTL attribute. */
export const ITEM_ATTRIBUTES = {
  /** The serialised session (String): the exact bytes the cache holds for this version. */
  payload: "payload",
  /** The session's version (Number), used for conditional writes. */
  version: "version",
  /** When the session was created, epoch ms (Number): orders a re-created id after its predecessor. */
  createdAt: "created_at",
  /**
   * Present (Boolean true) on a deleted session's tombstone: kept until the old expiry so that no
   * replay of an older write can bring the session back. Reads treat it as no session.
   */
  deleted: "deleted",
} as const;

/** The CreateTable request for the session table. TTL is enabled separately (UpdateTimeToLive). */
export function createTableInput(
  tableName: string = SESSION_TABLE.tableName,
): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: SESSION_TABLE.billingMode,
    AttributeDefinitions: [{ AttributeName: SESSION_TABLE.partitionKey, AttributeType: "S" }],
    KeySchema: [{ AttributeName: SESSION_TABLE.partitionKey, KeyType: "HASH" }],
  };
}
