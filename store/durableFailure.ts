import { StoreUnavailableError } from "./errors";

/** DynamoDB failed with `cause`; if the cache failed too (`cacheFailed`), the error names both. */
export function durableFailure(cause: unknown, cacheFailed: boolean): StoreUnavailableError {
  return cacheFailed
    ? new StoreUnavailableError("both", "neither the cache nor DynamoDB answered", { cause })
    : new StoreUnavailableError("dynamodb", "DynamoDB did not answer; nothing was written", {
        cause,
      });
}
