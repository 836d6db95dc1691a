import type { TimeToLiveDescription } from "@aws-sdk/client-dynamodb";

/**
 * The one rule for a session table's TTL, used by the aws environment and the doctor: it must be on
 * `attribute`, ENABLED or ENABLING. DynamoDB documents that enabling can take up to an hour, so a
 * stack just deployed is still ENABLING; reads filter expired items whatever the status.
 * Returns why the TTL is not acceptable, or undefined when it is.
 */
export function ttlProblem(
  description: TimeToLiveDescription | undefined,
  attribute: string,
): string | undefined {
  const status = description?.TimeToLiveStatus;
  if (description?.AttributeName === attribute && (status === "ENABLED" || status === "ENABLING")) {
    return undefined;
  }
  return `TTL is ${status ?? "unknown"} on ${description?.AttributeName ?? "no attribute"}; the store writes ${attribute}`;
}

/** How an acceptable TTL reads in a report, e.g. "ENABLED on expires_at". */
export function describeTtl(description: TimeToLiveDescription, attribute: string): string {
  return description.TimeToLiveStatus === "ENABLING"
    ? `ENABLING on ${attribute} (DynamoDB takes up to an hour; reads filter expired items meanwhile)`
    : `${description.TimeToLiveStatus} on ${attribute}`;
}
