import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EnvironmentDescription } from "../Environment";

/**
 * A DynamoDB client that goes straight to the table, never through the fault proxy: DynamoDB
 * Local's endpoint locally; on AWS the region's endpoint with the SDK's default credentials
 * (the instance role) unless the store's configuration names static ones.
 */
export function observerDynamoClient(description: EnvironmentDescription): DynamoDBClient {
  const { region, endpoint } = description.dynamodb;
  const credentials = description.storeConfig.dynamodb.credentials;
  return new DynamoDBClient({
    region,
    ...(endpoint !== undefined && { endpoint }),
    ...(credentials && { credentials: { ...credentials } }),
  });
}
